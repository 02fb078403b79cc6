from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    FloatField,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from depot.web.forms import AppForm, SubForm

KIND_CHOICES = [("municipality", _l("Municipality")), ("region", _l("Region"))]


class OrganisationForm(AppForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES)
    town = StringField(_l("Town"), validators=[Optional(), Length(max=80)])
    population = IntegerField(
        _l("Population"), validators=[Optional(), NumberRange(min=0, max=10_000_000)]
    )
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(min=-90, max=90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(min=-180, max=180)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class ShareForm(SubForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int, default=0)
    percent = DecimalField(
        _l("Share (%)"), places=2, validators=[Optional(), NumberRange(min=0, max=100)]
    )


class DepotForm(AppForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=200)])
    postcode = StringField(
        _l("Postcode"),
        validators=[
            Optional(),
            Regexp(r"^\d{4}$", message=_l("A Danish postcode has four digits.")),
        ],
    )
    town = StringField(_l("Town"), validators=[Optional(), Length(max=80)])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(min=-90, max=90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(min=-180, max=180)])
    capacity_m3 = IntegerField(
        _l("Capacity (m³)"), validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )
    opening_hours = TextAreaField(_l("Opening hours"), validators=[Optional(), Length(max=500)])
    owner_id = SelectField(_l("Owner"), coerce=int, default=0)
    shares = FieldList(
        FormField(ShareForm),
        label=_l("Ownership shares (shared depot)"),
        min_entries=8,
        max_entries=20,
    )
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))

    def set_choices(self, organisations, owner_choices) -> None:
        self.owner_id.choices = [(0, _l("Shared depot (ownership shares)"))] + [
            (o.id, o.name) for o in owner_choices
        ]
        for entry in self.shares:
            entry.form.organisation_id.choices = [(0, "–")] + [
                (o.id, o.name) for o in organisations
            ]

    def share_rows(self) -> list[tuple[int, object]]:
        """The filled-in share rows: (organisation id, percent)."""
        return [
            (e.form.organisation_id.data, e.form.percent.data)
            for e in self.shares
            if e.form.organisation_id.data and e.form.percent.data is not None
        ]
