from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired


class LinkForm(FlaskForm):
    ods_code = StringField("ODS code of the registered organisation", validators=[DataRequired()])
    submit = SubmitField("Link and open the case")
