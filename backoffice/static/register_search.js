// Registering an organisation starts with a search of the register. The search reloads the
// page, so what was already typed into the registration form travels with it (the server puts
// it back into the form) instead of being lost.
document.addEventListener("DOMContentLoaded", () => {
  const search = document.querySelector("form[data-keeps-typed]");
  if (!search) return;
  search.addEventListener("submit", () => {
    for (const name of search.dataset.keepsTyped.split(" ")) {
      const field = document.querySelector(`form:not([data-keeps-typed]) [name="${name}"]`);
      if (!field || !field.value.trim()) continue;
      let kept = search.querySelector(`input[type=hidden][name="${name}"]`);
      if (!kept) {
        kept = document.createElement("input");
        kept.type = "hidden";
        kept.name = name;
        search.appendChild(kept);
      }
      kept.value = field.value;
    }
  });
});
