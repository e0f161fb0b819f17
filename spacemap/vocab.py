"""Closed vocabularies shared by the schema, the dataset and validation.

Kept in one place so a database CHECK, an import error message and the API enum never disagree.
"""

from __future__ import annotations

PARK_TYPES: dict[str, tuple[str, str]] = {
    "industrial_park": ("产业园区", "industrial park"),
    "incubator": ("孵化器", "incubator"),
    "accelerator": ("加速器", "accelerator"),
    "maker_space": ("众创空间", "maker space"),
    "tech_building": ("科技楼宇", "tech building"),
    "pilot_plant": ("中试基地", "pilot plant"),
}

UNIT_FEATURES: dict[str, tuple[str, str]] = {
    "wet_lab": ("湿实验室", "wet lab"),
    "clean_room": ("洁净室", "clean room"),
    "pilot_plant": ("中试车间", "pilot plant"),
    "heavy_floor_load": ("重载楼板", "heavy floor load"),
    "showroom": ("展示厅", "showroom"),
    "power_24h": ("24小时供电", "24-hour power"),
    "server_room": ("机房", "server room"),
    "furnished": ("精装修", "furnished office"),
}

STAGES: dict[str, tuple[str, str]] = {
    "seed": ("种子期", "seed"),
    "startup": ("初创期", "start-up"),
    "growth": ("成长期", "growth"),
    "mature": ("成熟期", "mature"),
}

TENANT_STATUSES: dict[str, tuple[str, str]] = {
    "in_unit": ("已入驻", "moved in"),
    "signed": ("已签约未入驻", "signed, not yet moved in"),
    "hosted": ("托管/等待入驻", "hosted or waiting for space"),
}

ZONE_CODES = ("central_axis", "west_wing", "east_wing")

PARK_STATUSES: dict[str, tuple[str, str]] = {
    "operating": ("在运营", "operating"),
    "planned": ("规划中（无空间记录）", "planned (no space recorded)"),
}

# How a park's field (park_industries) is known: the documents say it, we inferred it (with the
# reason), or a register import supplied it.
TAG_BASES: dict[str, tuple[str, str]] = {
    "documented": ("文件记载", "documented"),
    "inferred": ("推断", "inferred"),
    "registered": ("登记导入", "from a register"),
}

# How an area part's boundary anchors were chosen (geodata/area_polygons.py).
BOUNDARY_QUALITIES: dict[str, tuple[str, str]] = {
    "named": ("锚点均为规划点名的地点", "every anchor is a place the plans name"),
    "partly_named": ("部分锚点为规划点名的地点", "some anchors are places the plans name"),
    "chosen": ("锚点由我们选定", "anchors chosen by us"),
}

INDICATOR_KINDS: dict[str, tuple[str, str]] = {
    "actual": ("实际值", "actual"),
    "target": ("目标值", "target"),
}

# Can the service measure an indicator itself, like with like?
MEASURABLE: dict[str, tuple[str, str]] = {
    "yes": ("可计量", "measurable"),
    "partly": ("部分可计量", "partly measurable"),
    "no": ("不可计量", "not measurable"),
}

INDICATOR_UNITS = ("m2", "count", "people", "percent", "cny")


def sql_in(values: object) -> str:
    """Render a vocabulary as a SQL literal list for CHECK constraints."""
    return ", ".join(f"'{v}'" for v in values)  # type: ignore[attr-defined]


ROLES: dict[str, tuple[str, str]] = {
    "company": ("企业", "company"),
    "reviewer": ("审核员（科技创新局）", "reviewer (science bureau)"),
    "planner": ("规划人员", "planner"),
    "admin": ("管理员", "administrator"),
}

APPLICATION_STATUSES: dict[str, tuple[str, str]] = {
    "pending": ("待审核", "pending review"),
    "needs_info": ("待补充材料", "more information requested"),
    "approved": ("已批准", "approved"),
    "rejected": ("已驳回", "rejected"),
    "withdrawn": ("已撤回", "withdrawn"),
}

# Statuses in which an application still waits for a decision (and counts as a duplicate).
OPEN_STATUSES = ("pending", "needs_info")

AUDIT_ENTITIES = ("application", "unit", "user", "proposal", "dataset", "whitelist")

# The automatic checks of an application (and of a near miss), by the name code uses.
CHECKS: dict[str, tuple[str, str]] = {
    "whitelist": ("正面清单", "whitelist"),
    "area": ("面积", "space"),
    "features": ("设施", "features"),
    "rent": ("预算", "budget"),
    "available": ("入驻时间", "timing"),
}

# What an audit entry records, by its ``action``.
AUDIT_ACTIONS: dict[str, tuple[str, str]] = {
    "submit": ("提交申请", "application filed"),
    "approve": ("批准", "approved"),
    "reject": ("驳回", "rejected"),
    "request_info": ("要求补充材料", "more information requested"),
    "respond": ("企业补充材料", "company answered"),
    "withdraw": ("撤回", "withdrawn"),
    "allocate": ("分配面积", "floor space allocated"),
    "release": ("释放面积", "floor space released"),
    "reconcile": ("按已批面积核减登记可用面积", "register's free area reduced by approved space"),
    "propose": ("生成批量方案", "batch proposal computed"),
    "whitelist_add": ("正面清单新增行业", "sector added to the whitelist"),
    "whitelist_remove": ("正面清单移除行业", "sector removed from the whitelist"),
    "whitelist_changed": ("所在片区正面清单变更", "its area's whitelist changed"),
    "create": ("创建账户", "account created"),
    "activate": ("启用账户", "account activated"),
    "deactivate": ("停用账户", "account deactivated"),
    "import": ("导入登记数据", "register imported"),
    "sign_in": ("登录", "signed in"),
    "sign_in_failed": ("登录失败", "failed sign-in"),
    "sign_out": ("退出登录", "signed out"),
    "accept": ("接受批量方案", "batch proposal accepted"),
}
