from assistance.roles import capabilities_for


def staff_context(request):
    """Expose the signed-in staff member's roles and capabilities to templates (for menus only)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"caps": capabilities_for(user)}
