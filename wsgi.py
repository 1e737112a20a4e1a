"""Production entry point: gunicorn wsgi:app (refuses to start without its secrets)"""

from backoffice import create_app
from backoffice.config import require_production_settings

app = create_app()
require_production_settings(app.extensions["settings"])
