from django.conf import settings


def service(request):
    return {"SERVICE_NAME": settings.SERVICE_NAME, "SERVICE_TAGLINE": settings.SERVICE_TAGLINE}
