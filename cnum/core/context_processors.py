from django.conf import settings


def service(request):
    return {
        "SERVICE_NAME": settings.SERVICE_NAME,
        "SERVICE_TAGLINE": settings.SERVICE_TAGLINE,
        # A demo instance says so on every page (issue #19): its figures are generated, not the programme's.
        "CNUM_DEMO": settings.CNUM_DEMO,
    }
