from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from varde.lib.fields import EncryptedTextField
from varde.lib.text import tel_link
from varde.people.roles import (
    LEADERSHIP_ROLES,
    MUNICIPAL_ROLES,
    PLAN_ROLES,
    PUPIL_DATA_ROLES,
    REGIONAL_ROLES,
    SCHOOL_ROLES,
    Role,
)

if TYPE_CHECKING:
    from collections.abc import Iterable


class SltRegion(models.Model):
    """Municipalities that share one SLT coordination (Gran and Lunner do)."""

    name = models.CharField(_("navn"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("SLT-samarbeid")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    slug = models.SlugField(_("kortnavn"), max_length=50, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    number = models.CharField(_("kommunenummer"), max_length=4, blank=True)
    slt_region = models.ForeignKey(
        SltRegion, on_delete=models.SET_NULL, null=True, blank=True, related_name="municipalities"
    )
    is_fictional = models.BooleanField(_("fiktiv (demo)"), default=False)
    plan_second_approval = models.BooleanField(
        _("to personer godkjenner endrede telefonnumre, åpningstider og samtykkeregler"),
        default=False,
    )

    class Meta:
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class Kind(models.TextChoices):
        PRIMARY = "primary", _("Barneskole")
        LOWER_SECONDARY = "lower_secondary", _("Ungdomsskole")
        COMBINED = "combined", _("Kombinert skole (1–10)")
        UPPER_SECONDARY = "upper_secondary", _("Videregående skole")

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="schools")
    name = models.CharField(_("navn"), max_length=200)
    kind = models.CharField(_("skoletype"), max_length=20, choices=Kind.choices)
    external_id = models.CharField(_("skolenummer"), max_length=64)

    # The grades each kind of school teaches (videregående: Vg1–Vg3 as grades 11–13).
    GRADES = {
        Kind.PRIMARY: range(1, 8),
        Kind.LOWER_SECONDARY: range(8, 11),
        Kind.COMBINED: range(1, 11),
        Kind.UPPER_SECONDARY: range(11, 14),
    }

    class Meta:
        verbose_name = _("skole")
        verbose_name_plural = _("skoler")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "external_id"], name="school_external_id_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def grades(self) -> range:
        return self.GRADES[self.Kind(self.kind)]


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A member of staff or of a partner service who logs in to Varde."""

    email = models.EmailField(_("e-post"), unique=True)
    full_name = models.CharField(_("navn"), max_length=200)
    external_id = models.CharField(_("ID i skoleadministrativt system"), max_length=64, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    date_joined = models.DateTimeField(_("opprettet"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("bruker")
        verbose_name_plural = _("brukere")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    # Roles are read from the database on each request (and kept on the instance for that
    # request only), so a changed role takes effect at once.
    @cached_property
    def assignments(self) -> list[RoleAssignment]:
        return list(
            RoleAssignment.objects.filter(user_id=self.pk).select_related(
                "school", "school__municipality"
            )
        )

    def roles(self) -> set[str]:
        return {a.role for a in self.assignments}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles() & set(roles))

    def school_ids(self, roles: Iterable[str] = SCHOOL_ROLES) -> set[int]:
        wanted = set(roles)
        return {a.school_id for a in self.assignments if a.role in wanted and a.school_id}

    def leadership_school_ids(self) -> set[int]:
        return self.school_ids(LEADERSHIP_ROLES)

    def admin_municipality_ids(self) -> set[int]:
        return {a.municipality_id for a in self.assignments if a.role in MUNICIPAL_ROLES}

    def plan_municipality_ids(self) -> set[int]:
        """Municipalities whose plan this user edits and publishes."""
        return {a.municipality_id for a in self.assignments if a.role in PLAN_ROLES}

    def slt_region_ids(self) -> set[int]:
        return {a.slt_region_id for a in self.assignments if a.role in REGIONAL_ROLES}

    def municipality_ids(self) -> set[int]:
        ids = {a.municipality_id for a in self.assignments if a.municipality_id}
        ids |= {a.school.municipality_id for a in self.assignments if a.school_id}
        regions = self.slt_region_ids()
        if regions:
            ids |= set(
                Municipality.objects.filter(slt_region__in=regions).values_list("id", flat=True)
            )
        return ids

    def sees_pupil_data(self) -> bool:
        return bool(self.roles() & PUPIL_DATA_ROLES)

    def requires_mfa(self) -> bool:
        """Those who see pupils, and those who change the numbers everyone is told to call."""
        return self.is_superuser or self.sees_pupil_data() or bool(self.roles() & PLAN_ROLES)

    def is_staff_user(self) -> bool:
        return self.is_superuser or bool(self.assignments)

    @property
    def is_staff(self) -> bool:
        # Django's own admin is not installed; this keeps third-party checks honest.
        return False


class RoleAssignment(models.Model):
    """One role held by one user at a school, a municipality or an SLT region."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("rolle"), max_length=32, choices=Role.choices)
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="role_assignments"
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
    )
    slt_region = models.ForeignKey(
        SltRegion, on_delete=models.CASCADE, null=True, blank=True, related_name="role_assignments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rolle")
        verbose_name_plural = _("roller")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "school"],
                condition=Q(school__isnull=False),
                name="role_at_school_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "municipality"],
                condition=Q(municipality__isnull=False),
                name="role_at_municipality_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "slt_region"],
                condition=Q(slt_region__isnull=False),
                name="role_in_region_unique",
            ),
        ]

    def __str__(self) -> str:
        where = self.school or self.municipality or self.slt_region
        return f"{self.get_role_display()} – {where}"

    def clean(self) -> None:
        if self.role in SCHOOL_ROLES and not self.school_id:
            raise ValidationError(_("Denne rollen må knyttes til en skole."))
        if self.role in MUNICIPAL_ROLES | PLAN_ROLES and not self.municipality_id:
            raise ValidationError(_("Denne rollen må knyttes til en kommune."))
        if self.role in REGIONAL_ROLES and not self.slt_region_id:
            raise ValidationError(_("Denne rollen må knyttes til et SLT-samarbeid."))


class Pupil(models.Model):
    """A pupil. The age is always derived from the date of birth, never stored."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="pupils")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    external_id = models.CharField(_("elev-ID"), max_length=64)
    first_name = models.CharField(_("fornavn"), max_length=100)
    last_name = models.CharField(_("etternavn"), max_length=100)
    birth_date = models.DateField(_("fødselsdato"))
    grade = models.PositiveSmallIntegerField(_("trinn"))
    contact_teacher = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="contact_pupils"
    )
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("elev")
        verbose_name_plural = _("elever")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "external_id"], name="pupil_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(grade__gte=1) & Q(grade__lte=13), name="pupil_grade_range"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: dt.date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    def clean(self) -> None:
        if self.school_id and self.municipality_id:
            if self.school.municipality_id != self.municipality_id:
                raise ValidationError(_("Skolen hører ikke til denne kommunen."))


class Guardian(models.Model):
    """A pupil's parent or guardian, from the school administration system.

    Everything that names or reaches the person is sealed at rest. A restriction (must not be
    contacted about the pupil, or a confidential address) is shown before anything else
    wherever the guardian appears, with who set it and why.
    """

    class Relation(models.TextChoices):
        MOTHER = "mother", _("Mor")
        FATHER = "father", _("Far")
        GUARDIAN = "guardian", _("Annen foresatt")
        FOSTER_PARENT = "foster_parent", _("Fosterforelder")
        CHILD_WELFARE = "child_welfare", _("Barneverntjenesten (har omsorgen)")

    class Restriction(models.TextChoices):
        NO_CONTACT = "no_contact", _("Skal ikke kontaktes om eleven")
        CONFIDENTIAL_ADDRESS = "confidential_address", _("Sperret adresse")

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="guardians")
    external_id = models.CharField(_("foresatt-ID"), max_length=64)
    name = EncryptedTextField(_("navn"))
    relation = models.CharField(_("relasjon"), max_length=20, choices=Relation.choices)
    phone = EncryptedTextField(_("telefon"), blank=True)
    phone_other = EncryptedTextField(_("annen telefon"), blank=True)
    email = EncryptedTextField(_("e-post"), blank=True)
    parental_responsibility = models.BooleanField(_("har foreldreansvar"), default=True)
    lives_with_pupil = models.BooleanField(_("eleven bor hos"), default=True)
    language = EncryptedTextField(_("foretrukket språk"), blank=True)
    needs_interpreter = models.BooleanField(_("trenger tolk"), default=False)
    restriction = models.CharField(
        _("sperre"), max_length=30, choices=Restriction.choices, blank=True
    )
    restriction_reason = EncryptedTextField(_("hvorfor"), blank=True)
    restriction_set_by = EncryptedTextField(_("satt av"), blank=True)
    restriction_set_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("foresatt")
        verbose_name_plural = _("foresatte")
        ordering = ["-parental_responsibility", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "external_id"], name="guardian_external_id_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def may_be_called(self) -> bool:
        return self.restriction != self.Restriction.NO_CONTACT

    @property
    def tel(self) -> str:
        """A tel: link for the phone number, or "" when there is no number to call."""
        return tel_link(self.phone)

    @property
    def tel_other(self) -> str:
        return tel_link(self.phone_other)


class ImportMapping(models.Model):
    """How one municipality's export names Varde's import columns: the file's header cell
    (lower case, trimmed) to Varde's column. Chosen once on the import page, then reused."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="import_mapping"
    )
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    def __str__(self) -> str:
        return f"Kolonner for {self.municipality}"
