"""The roles staff hold, and what each role may do.

A role is held at a school (teacher, principal, ...) or at a municipality
(municipal administrator) or in an SLT region (SLT coordinator).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TEACHER = "teacher", _("Lærer")
    CONTACT_TEACHER = "contact_teacher", _("Kontaktlærer")
    PRINCIPAL = "principal", _("Rektor")
    DEPUTY = "deputy", _("Rektors stedfortreder")
    KJENTMANN = "kjentmann", _("Kjentmann")
    SCHOOL_NURSE = "school_nurse", _("Helsesykepleier")
    LOS = "los", _("LOS")
    PPT_CONTACT = "ppt_contact", _("PPT-kontakt")
    SLT_COORDINATOR = "slt_coordinator", _("SLT-koordinator")
    MUNICIPAL_ADMIN = "municipal_admin", _("Kommunal administrator")
    PLAN_OWNER = "plan_owner", _("Planeier")


SCHOOL_ROLES = frozenset(
    {
        Role.TEACHER,
        Role.CONTACT_TEACHER,
        Role.PRINCIPAL,
        Role.DEPUTY,
        Role.KJENTMANN,
        Role.SCHOOL_NURSE,
        Role.LOS,
        Role.PPT_CONTACT,
    }
)
MUNICIPAL_ROLES = frozenset({Role.MUNICIPAL_ADMIN})
# Roles that edit and publish the municipality's plan. The plan owner sees no pupil data.
PLAN_ROLES = frozenset({Role.MUNICIPAL_ADMIN, Role.PLAN_OWNER})
REGIONAL_ROLES = frozenset({Role.SLT_COORDINATOR})
LEADERSHIP_ROLES = frozenset({Role.PRINCIPAL, Role.DEPUTY})

# Roles whose holders see named pupils. MFA is required for all of them.
PUPIL_DATA_ROLES = SCHOOL_ROLES | MUNICIPAL_ROLES
