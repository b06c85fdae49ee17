"""Site importers, one module per file format, registered with the shared import framework (cnum.core.imports)."""

from cnum.core import imports


def register_formats() -> None:
    from cnum.sites.importers import cnfs_v0, csv_auto, france_services, lieux_v1

    for name, label, extensions, runner in (
        (cnfs_v0.FORMAT, "Permanences Conseiller numérique (export v0, JSON)", (".json",), cnfs_v0.run),
        (lieux_v1.FORMAT, "Lieux de médiation numérique (schéma national v1.0.2, CSV)", (".csv",), lieux_v1.run),
        (france_services.FORMAT, "Espaces France Services (liste nationale, CSV)", (".csv",), france_services.run),
        (
            csv_auto.FORMAT,
            "Lieux d'un tiers (CSV, colonnes reconnues)",
            (".csv",),
            csv_auto.run,
        ),
    ):
        import_format = imports.ImportFormat(
            name=name, label=label, target="lieux", extensions=extensions, runner=runner
        )
        imports.register(import_format)
