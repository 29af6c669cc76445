"""Demo data for the five jurisdictions of ``shared/policies/`` (``manage.py seed_demo``).

- :mod:`assistance.demo.regions`: the region tree, recognised-illness lists, illustrative 低保 standards,
  banks, plates and phone prefixes of each jurisdiction.
- :mod:`assistance.demo.names`: Chinese surnames (with realistic frequencies) and given names by generation.
- :mod:`assistance.demo.generator`: pure, deterministic generation of household plans (no database).
- :mod:`assistance.demo.loader`: writes the plans through the services as the system account, idempotently.
- :mod:`assistance.demo.cases`: demo applications at every stage of the workflow and discovery reports, driven
  through the workflow services as the demo staff, so that the inboxes are not empty.

Everything here is illustrative: no person, household or figure is real.
"""
