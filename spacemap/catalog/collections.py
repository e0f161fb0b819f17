"""Each published collection: its rows, identifier, properties and the filters it accepts.

Declared as data so the OGC routes, the downloads, the OpenAPI document and the tests all read the
same definition. Properties always include the provenance columns (``source``, ``is_estimate``,
``is_synthetic``): whoever reads the data sees what is real, what is guessed and what is made up.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacemap.i18n import Msg, Names, _

PROVENANCE = (
    ("source", "t.source"),
    ("is_estimate", "t.is_estimate"),
    ("is_synthetic", "t.is_synthetic"),
)

# Filter name → SQL condition (bind parameter named like the filter) and the value's type.
# ``industry``: may a company of this sector land here — the database's one whitelist rule
# (``spacemap_admits``: the area's list in force and the park's own list), which matching and the
# application checks call too. ``{park}`` and ``{unit}`` are each collection's alias for them.
_ADMITS = "spacemap_admits({park}.id, CAST(:industry AS varchar))"
WHITELIST_TABLES = ("area_whitelist", "whitelist_changes")  # the plan's lists and the amendments


@dataclass(frozen=True)
class Filter:
    sql: str
    kind: type
    zh: str
    en: str


FILTERS: dict[str, Filter] = {
    "industry": Filter(_ADMITS, str, "可准入的产业代码", "sector code that may land here"),
    "area": Filter("ar.code = :area", str, "片区代码", "area code"),
    "min_available_m2": Filter(
        "{unit}.available_m2 >= :min_available_m2", float, "最小可用面积", "minimum available m²"
    ),
    "max_rent": Filter(
        "{unit}.rent_cny_m2_month <= :max_rent", float, "最高租金", "maximum rent, CNY/m²/month"
    ),
    "low_cost": Filter("{unit}.is_low_cost = :low_cost", bool, "低成本空间", "low-cost space only"),
    "park": Filter("{park}.code = :park", str, "园区代码", "park code"),
    "park_type": Filter("{park}.park_type = :park_type", str, "载体类型", "park type"),
    "zone": Filter("z.code = :zone", str, "轴翼代码", "zone code"),
}


@dataclass(frozen=True)
class Collection:
    id: str
    title_zh: str
    title_en: str
    description: Msg
    from_sql: str  # the main table is aliased ``t``
    id_sql: str
    properties: tuple[tuple[str, str], ...]
    filters: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()  # whose data_versions stamp this collection's content
    park_alias: str = "p"
    unit_alias: str = "u"
    # The property that places a feature in time: a local calendar date (see temporal.py).
    time_property: str | None = None
    time_sql: str | None = None

    @property
    def title(self) -> str:
        """The title in the reader's language."""
        return Names(self.title_zh, self.title_en).render()

    @property
    def table(self) -> str:
        return self.from_sql.split()[0]

    @property
    def all_properties(self) -> tuple[tuple[str, str], ...]:
        return (*self.properties, *PROVENANCE)


_AREA_LISTS = """
  (SELECT array_agg(w.industry_code ORDER BY w.industry_code) FROM spacemap_whitelist() w
    WHERE w.area_id = t.id)"""
_AREA_LEADS = """
  (SELECT array_agg(w.industry_code ORDER BY w.industry_code) FROM spacemap_whitelist() w
    WHERE w.area_id = t.id AND w.is_lead)"""
_AREA_LIST_SOURCE = """
  (SELECT string_agg(DISTINCT w.source, '; ') FROM spacemap_whitelist() w
    WHERE w.area_id = t.id)"""
# Each zone's share of the area (梅林-彩田 reaches into the east wing as 彩田北), with its own
# boundary estimate.
_AREA_ZONES = """
  (SELECT array_agg(DISTINCT pz.code ORDER BY pz.code) FROM area_parts ap
    JOIN zones pz ON pz.id = ap.zone_id WHERE ap.area_id = t.id)"""
_AREA_PARTS = """
  (SELECT json_agg(json_build_object('code', ap.code, 'name_zh', ap.name_zh,
     'name_en', ap.name_en, 'zone', pz.code, 'boundary_error_m', ap.boundary_error_m,
     'boundary_quality', ap.boundary_quality) ORDER BY ap.code)
   FROM area_parts ap JOIN zones pz ON pz.id = ap.zone_id WHERE ap.area_id = t.id)"""
# An area with no unit has no space recorded: say so, never 0 % occupied.
_SPACE_RECORDED = """
  EXISTS (SELECT 1 FROM parks p JOIN space_units u ON u.park_id = p.id WHERE p.area_id = t.id)"""
# A park's fields, each documented (citation and the document's words) or inferred (why).
_PARK_TAGS = """
  (SELECT json_agg(json_build_object('code', pi.industry_code, 'basis', pi.basis,
     'source', pi.source, 'quote', pi.quote, 'reason_zh', pi.reason_zh,
     'reason_en', pi.reason_en, 'on_area_whitelist', EXISTS (SELECT 1
       FROM spacemap_whitelist() w WHERE w.area_id = t.area_id
       AND w.industry_code = pi.industry_code))
     ORDER BY pi.industry_code)
   FROM park_industries pi WHERE pi.park_id = t.id)"""


def _park_codes(condition: str) -> str:
    return (
        "(SELECT COALESCE(array_agg(pi.industry_code ORDER BY pi.industry_code), '{}') "
        f"FROM park_industries pi WHERE pi.park_id = t.id AND {condition})"
    )


_OFF_LIST = (
    "NOT EXISTS (SELECT 1 FROM spacemap_whitelist() w WHERE w.area_id = t.area_id "
    "AND w.industry_code = pi.industry_code)"
)

COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            id="districts",
            title_zh="深圳市各区",
            title_en="Shenzhen districts",
            description=_("Boundaries (GCJ-02 source converted to WGS84); Futian is flagged."),
            from_sql="districts t",
            id_sql="t.adcode::text",
            properties=(
                ("adcode", "t.adcode"),
                ("name_zh", "t.name_zh"),
                ("name_en", "t.name_en"),
                ("is_futian", "t.is_futian"),
            ),
            tables=("districts",),
        ),
        Collection(
            id="zones",
            title_zh="一轴两翼",
            title_en="One axis, two wings",
            description=_(
                "The central axis and the two wings, each the union of its area parts (the north "
                "Caitian part of Meilin–Caitian lies in the east wing, plan 002 §6(1))."
            ),
            from_sql="zones t",
            id_sql="t.code",
            properties=(
                ("code", "t.code"),
                ("name_zh", "t.name_zh"),
                ("name_en", "t.name_en"),
                ("description_zh", "t.description_zh"),
                ("description_en", "t.description_en"),
                (
                    "area_parts",
                    "(SELECT array_agg(ap.code ORDER BY ap.code) FROM area_parts ap "
                    "WHERE ap.zone_id = t.id)",
                ),
                ("area_km2", "round((ST_Area(t.geom::geography) / 1e6)::numeric, 2)"),
            ),
            tables=("zones", "area_parts"),
        ),
        Collection(
            id="areas",
            title_zh="八大片区",
            title_en="The eight areas",
            description=_(
                "Areas with their positioning and industry whitelist (the positive list of sectors "
                "admitted), derived from plan 002 §6(2) (whitelist_source). Boundaries are "
                "estimates (geom_method) with a radius (boundary_error_m) and how their anchors "
                "were chosen (boundary_quality); space_recorded is false where no unit is recorded."
            ),
            from_sql="areas t JOIN zones z ON z.id = t.zone_id",
            id_sql="t.code",
            properties=(
                ("code", "t.code"),
                ("zone", "z.code"),
                ("name_zh", "t.name_zh"),
                ("name_en", "t.name_en"),
                ("positioning_zh", "t.positioning_zh"),
                ("positioning_en", "t.positioning_en"),
                ("zones", _AREA_ZONES),
                ("parts", _AREA_PARTS),
                ("whitelist", _AREA_LISTS),
                ("lead_industries", _AREA_LEADS),
                ("whitelist_source", _AREA_LIST_SOURCE),
                ("space_recorded", _SPACE_RECORDED),
                ("geom_method", "t.geom_method"),
                ("boundary_error_m", "t.boundary_error_m"),
                ("boundary_quality", "t.boundary_quality"),
                ("area_km2", "round((ST_Area(t.geom::geography) / 1e6)::numeric, 2)"),
            ),
            filters=("industry_area", "zone"),
            tables=(
                "areas",
                "zones",
                "area_whitelist",
                "whitelist_changes",
                "area_parts",
                "parks",
                "space_units",
            ),
        ),
        Collection(
            id="parks",
            title_zh="园区与孵化载体",
            title_en="Parks and incubators",
            description=_(
                "Parks, incubators, accelerators and maker spaces with documented "
                "figures; location_error_m gives the radius of an estimated location. Each field "
                "in industry_tags is documented (source, quote) or inferred (reason); "
                "industries_off_whitelist lists the documented fields the area's whitelist does "
                "not admit. A planned carrier (status) has no space recorded."
            ),
            from_sql="parks t JOIN areas ar ON ar.id = t.area_id JOIN zones z ON z.id = ar.zone_id"
            " LEFT JOIN LATERAL (SELECT count(*) AS n, sum(capacity_m2) AS cap,"
            " sum(available_m2) AS avail FROM space_units WHERE park_id = t.id) s ON true",
            id_sql="t.code",
            properties=(
                ("code", "t.code"),
                ("name_zh", "t.name_zh"),
                ("name_en", "t.name_en"),
                ("area", "ar.code"),
                ("area_is_estimate", "t.area_is_estimate"),
                ("zone", "z.code"),
                ("park_type", "t.park_type"),
                ("status", "t.status"),
                ("operator", "t.operator"),
                ("address", "t.address"),
                ("land_area_m2", "t.land_area_m2"),
                ("floor_area_m2", "t.floor_area_m2"),
                ("low_cost_area_m2", "t.low_cost_area_m2"),
                ("space_is_estimate", "t.space_is_estimate"),
                ("documented_firms", "t.documented_firms"),
                ("figures_zh", "t.figures_zh"),
                ("figures_en", "t.figures_en"),
                ("location_error_m", "t.location_error_m"),
                (
                    "industries",
                    "(SELECT array_agg(pi.industry_code ORDER BY pi.industry_code) "
                    "FROM park_industries pi WHERE pi.park_id = t.id)",
                ),
                ("industries_documented", _park_codes("pi.basis = 'documented'")),
                ("industries_inferred", _park_codes("pi.basis = 'inferred'")),
                ("industries_off_whitelist", _park_codes(_OFF_LIST)),
                ("industry_tags", _PARK_TAGS),
                ("units", "s.n"),
                ("capacity_m2", "s.cap"),
                ("available_m2", "s.avail"),
            ),
            filters=("industry", "area", "zone", "park_type"),
            tables=(
                "parks",
                "areas",
                "zones",
                "park_industries",
                "space_units",
                "area_whitelist",
                "whitelist_changes",
            ),
            park_alias="t",
        ),
        Collection(
            id="space-units",
            title_zh="可租空间单元",
            title_en="Rentable space units",
            description=_(
                "Floor space companies apply for. Today every unit is synthetic "
                "(generated from documented park figures) and flagged is_synthetic."
            ),
            from_sql="space_units t JOIN parks p ON p.id = t.park_id "
            "JOIN areas ar ON ar.id = p.area_id JOIN zones z ON z.id = ar.zone_id",
            id_sql="t.code",
            properties=(
                ("code", "t.code"),
                ("park", "p.code"),
                ("park_name_zh", "p.name_zh"),
                ("park_name_en", "p.name_en"),
                ("park_type", "p.park_type"),
                ("area", "ar.code"),
                ("zone", "z.code"),
                ("floor", "t.floor"),
                ("capacity_m2", "t.capacity_m2"),
                ("available_m2", "t.available_m2"),
                ("rent_cny_m2_month", "t.rent_cny_m2_month"),
                ("is_low_cost", "t.is_low_cost"),
                ("features", "t.features"),
                ("available_from", "t.available_from"),
                ("location_error_m", "p.location_error_m"),
            ),
            filters=(
                "industry",
                "area",
                "zone",
                "park",
                "park_type",
                "min_available_m2",
                "max_rent",
                "low_cost",
            ),
            tables=(
                "space_units",
                "parks",
                "areas",
                "zones",
                "park_industries",
                "area_whitelist",
                "whitelist_changes",
            ),
            unit_alias="t",
            time_property="available_from",
            time_sql="t.available_from",
        ),
        Collection(
            id="stations",
            title_zh="地铁站",
            title_en="Metro stations",
            description=_("Metro stations in and within 1 km of Futian."),
            from_sql="stations t",
            id_sql="t.id::text",
            properties=(
                ("name_zh", "t.name_zh"),
                ("name_en", "t.name_en"),
                ("lines", "t.lines"),
                ("in_futian", "t.in_futian"),
            ),
            tables=("stations",),
        ),
    )
}

# Areas admit a sector through their own whitelist (no park list applies).
FILTERS["industry_area"] = Filter(
    "EXISTS (SELECT 1 FROM spacemap_whitelist() w WHERE w.area_id = t.id "
    "AND w.industry_code = :industry)",
    str,
    FILTERS["industry"].zh,
    FILTERS["industry"].en,
)


def public_filter_name(name: str) -> str:
    """``industry_area`` is the areas' flavour of ``industry``: callers only see ``industry``."""
    return "industry" if name == "industry_area" else name


def collection_filters(collection: Collection) -> dict[str, Filter]:
    return {public_filter_name(n): FILTERS[n] for n in collection.filters}


def filter_sql(collection: Collection, name: str) -> str:
    internal = "industry_area" if name == "industry" and collection.id == "areas" else name
    return FILTERS[internal].sql.format(park=collection.park_alias, unit=collection.unit_alias)
