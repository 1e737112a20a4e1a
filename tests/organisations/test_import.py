"""backoffice organisations import FILE"""

from sqlalchemy import func, select

from backoffice.core.audit import AuditEvent
from backoffice.organisations.models import Organisation

HEADER = "ods_code,name,org_type,address,postcode,parent_ods_code\n"
ROWS = (
    "FWC01,Wellcare Exeter,Community Pharmacy,1 High St,EX1 1AA,FWC00\n"
    "FWC00,Wellcare Head Office,Pharmacy HQ,2 Main Rd,LS1 4AP,\n"
    "8hv48,Rosewood Care Home,care home,3 Rose Lane,ex2 5dw,\n"
    "BAD!,Broken Code,Voluntary Sector,x,EX1 1AA,\n"
    "8HV49,No Postcode Home,Voluntary Sector,x,nowhere,\n"
    "8HV50,Orphan Branch,Community Pharmacy,x,EX1 1AA,ZZZ99\n"
    "8HV51,Odd Type,Spaceship,x,EX1 1AA,\n"
)


def _run(app, path):
    return app.test_cli_runner().invoke(args=["organisations", "import", str(path)])


def test_import_creates_valid_rows_and_names_each_rejected_row(app, session, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(HEADER + ROWS)
    result = _run(app, path)
    assert result.exit_code == 0, result.output
    assert "3 created, 0 updated, 0 unchanged, 4 rejected" in result.output
    assert "line 5 (BAD!)" in result.output and "not an ODS code" in result.output
    assert "line 6 (8HV49)" in result.output and "postcode" in result.output
    assert "line 7 (8HV50)" in result.output and "ZZZ99" in result.output
    assert "line 8 (8HV51)" in result.output and "unknown organisation category" in result.output
    branch = session.scalar(select(Organisation).where(Organisation.ods_code == "FWC01"))
    assert branch.parent.ods_code == "FWC00"
    home = session.scalar(select(Organisation).where(Organisation.ods_code == "8HV48"))
    assert (home.org_type, home.postcode) == ("Voluntary Sector", "EX2 5DW")


def test_importing_the_same_file_twice_changes_nothing(app, session, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(HEADER + ROWS)
    _run(app, path)
    audit_rows = session.scalar(select(func.count(AuditEvent.id)))
    result = _run(app, path)
    assert "0 created, 0 updated, 3 unchanged" in result.output
    assert session.scalar(select(func.count(AuditEvent.id))) == audit_rows


def test_import_updates_by_ods_code(app, session, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(HEADER + "8HV48,Rosewood Care Home,Voluntary Sector,x,EX1 1AA,\n")
    _run(app, path)
    path.write_text(HEADER + "8HV48,Rosewood House,Voluntary Sector,x,EX1 1AA,\n")
    result = _run(app, path)
    assert "0 created, 1 updated" in result.output
    assert session.scalar(select(Organisation.name)) == "Rosewood House"


def test_a_file_without_the_header_row_is_refused(app, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text("code,name\n8HV48,Rosewood\n")
    result = _run(app, path)
    assert result.exit_code != 0
    assert "lacks the column(s): ods_code" in result.output
