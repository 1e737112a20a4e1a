from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired


class DecisionForm(FlaskForm):
    decision = RadioField("Decision", choices=[("approve", "Approve"), ("reject", "Reject")],
                          validators=[DataRequired()])
    decision_reason = TextAreaField("Reason for the decision", validators=[DataRequired()])
    submit = SubmitField("Record decision")
