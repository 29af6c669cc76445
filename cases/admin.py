"""The household registry is not edited in the admin console.

Households, members and everything recorded for them are personal data, written only through
``cases.services`` from the case pages and the API (scoped, validated, audited); the admin console
(``assistance.admin``) manages regions, staff, programs and illness lists. Nothing is registered here.
"""
