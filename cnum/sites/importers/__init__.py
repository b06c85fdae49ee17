"""Site importers, one module per file format, registered with the shared import framework (cnum.core.imports)."""

from cnum.core import imports


def register_formats() -> None:
    from cnum.sites import perms
    from cnum.sites.importers import cnfs_v0, columns, csv_auto, france_services, lieux_v1, mapping, required

    # Columns a row cannot do without (the file is refused, or the row rejected, without them); date_maj is read
    # on every row of the schema's files and of the CnFS export.
    v1_required = (*lieux_v1.REQUIRED_COLUMNS, "date_maj")
    for name, label, extensions, runner, declared in (
        (
            cnfs_v0.FORMAT,
            "Permanences Conseiller numérique (export v0, JSON)",
            (".json",),
            cnfs_v0.run,
            columns.cnfs_v0(("nom", "adresse", "code_postal", "date_maj")),
        ),
        (
            lieux_v1.FORMAT,
            "Lieux de médiation numérique (schéma national v1.0.2, CSV)",
            (".csv",),
            lieux_v1.run,
            columns.lieux_v1(v1_required),
        ),
        (
            france_services.FORMAT,
            "Espaces France Services (liste nationale, CSV)",
            (".csv",),
            france_services.run,
            columns.france_services(france_services.REQUIRED_COLUMNS),
        ),
        (
            csv_auto.FORMAT,
            "Lieux d'un tiers (CSV, colonnes reconnues)",
            (".csv",),
            csv_auto.run,
            columns.csv_auto(required.REQUIRED, mapping.SYNONYMS),
        ),
    ):
        # The assistant's format is also a hub's, for its territory (sites.perms): it reads its columns and template.
        open_to = perms.can_import_sites if name == csv_auto.FORMAT else None
        import_format = imports.ImportFormat(
            name=name,
            label=label,
            target="lieux",
            extensions=extensions,
            runner=runner,
            columns=declared,
            open_to=open_to,
        )
        imports.register(import_format)
