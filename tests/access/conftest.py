from kontor.access.models import Role


def role(slug: str) -> Role:
    return Role.objects.get(slug=slug)
