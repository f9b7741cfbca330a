"""What each importable table accepts: its columns (Chinese header, English aliases, kind,
rules), its natural key, its time order and the records it must point to.

One table spec serves the validator, the templates, the rules shown on the Data page and the
docs (`docs/intake.md`), so a rule is written once.
"""

from __future__ import annotations

from dataclasses import dataclass

# Kinds of column. Each has one parser in sitrep.intake.values.
KINDS = {
    "integer": ("整数", "whole number"),
    "count": ("非负整数", "whole number, 0 or more"),
    "decimal": ("非负数", "number, 0 or more"),
    "text": ("文本", "text"),
    "timestamp": ("日期时间（北京时间）", "date and time (Asia/Shanghai)"),
    "date": ("日期（如 2022-08-05；所填时刻不计）", "date (2022-08-05; a time of day given is dropped)"),
    "enum": ("取值之一", "one of"),
    "district": ("区县编码或名称", "district code or name"),
    "township": ("乡镇（街道）编码", "township code"),
    "community": ("村（社区）编码", "community code"),
    "id_card": ("18 位居民身份证号（GB 11643 校验位）", "18-character ID-card number (GB 11643 check digit)"),
    "phone": ("手机号（11 位）或固定电话（区号-号码）", "mobile (11 digits) or landline (area code-number)"),
}

# Person columns (sitrep.personal.PERSONAL_COLUMNS): they go to `persons` (the only table holding
# names, ID numbers, phones); the target table keeps the person_id they resolve to. A person is
# matched by ID-card number.


@dataclass(frozen=True)
class Column:
    name: str                       # column in the target table (or a person column)
    zh: str                         # header in the template
    kind: str
    required: bool = False          # must be present in the file and non-empty in every row
    aliases: tuple[str, ...] = ()   # other accepted headers (the English name is always accepted)
    values: dict[str, tuple[str, ...]] | None = None   # enum: stored value -> accepted labels
    minimum: int | None = None
    maximum: int | None = None
    example: str = ""
    note_zh: str = ""
    note_en: str = ""

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.zh, self.name) + self.aliases


@dataclass(frozen=True)
class Order:
    """later >= earlier (or > when strict), checked on the row as it will stand after import."""
    later: str
    earlier: str
    strict: bool = False


@dataclass(frozen=True)
class Reference:
    """column must name a record of table.column: already in the database or in this file."""
    column: str
    table: str
    target: str


@dataclass(frozen=True)
class Rule:
    """A rule across columns, as an SQL condition that is true when the row as it will stand
    after import breaks it (columns named as in the table; no values, ever)."""
    broken_when: str
    column: str                     # the column the report points at
    reason: str                     # a reason code of sitrep.intake.report


@dataclass(frozen=True)
class TableSpec:
    name: str
    zh: str
    en: str
    source_zh: str                  # which system sends it
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    orders: tuple[Order, ...] = ()
    references: tuple[Reference, ...] = ()
    rules: tuple[Rule, ...] = ()
    person: str | None = None       # "required": every row names a person; "optional"; None: no person
    due: tuple[str, ...] = ()       # times that say when something is due, not when it happened: they never
                                    # move the data's "as of" forward (a round's deadline lies ahead)
    note_zh: str = ""
    note_en: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _enum(**values: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return values


def _person_columns(required: bool) -> tuple[Column, ...]:
    need = "每行须有身份证号或人员编号" if required else "可空"
    need_en = "each row needs an ID-card number or a person id" if required else "may be empty"
    return (
        Column("person_id", "人员编号", "integer", aliases=("人员ID",), example="",
               note_zh=f"系统内已有人员的编号；{need}", note_en=f"id of a person already known; {need_en}"),
        Column("full_name", "姓名", "text", aliases=("name",), example="张三",
               note_zh="个人信息：只存入人员表，不在任何页面显示", note_en="personal data: kept in persons only, never shown"),
        Column("id_card_number", "身份证号", "id_card", aliases=("身份证号码", "证件号码", "id_card"),
               example="50010519900307001X", note_zh=f"按身份证号匹配已有人员；{need}",
               note_en=f"matches a known person; {need_en}"),
        Column("phone", "手机号", "phone", aliases=("联系电话", "电话"), example="13812345678"),
    )


DISTRICT = Column("district_code", "区县", "district", required=True, aliases=("区县编码", "区县名称", "district"),
                  example="500105", note_zh="编码（500105）或名称（江北区、江北）",
                  note_en="code (500105) or name (江北区, 江北)")
TOWNSHIP = Column("township_code", "乡镇街道编码", "township", aliases=("乡镇编码", "街道编码"), example="500105001",
                  note_zh="须属于所填区县", note_en="must lie in the district given")
COMMUNITY = Column("community_code", "社区编码", "community", aliases=("村社区编码",), example="500105001001",
                   note_zh="须属于所填区县", note_en="must lie in the district given")


def _ts(name: str, zh: str, required: bool = False, example: str = "", **kw) -> Column:
    return Column(name, zh, "timestamp", required=required, example=example, **kw)


TABLES: dict[str, TableSpec] = {}


def _add(spec: TableSpec) -> None:
    TABLES[spec.name] = spec


_add(TableSpec(
    "cases", "病例", "cases", "传染病网络直报与流调系统", key=("case_id",), person="required",
    columns=(
        Column("case_id", "病例编号", "integer", required=True, example="900001"),
        *_person_columns(required=True),
        Column("classification", "分类", "enum", required=True, example="确诊", values=_enum(
            confirmed=("确诊", "确诊病例"), asymptomatic=("无症状", "无症状感染者"), suspected=("疑似", "疑似病例"),
            excluded=("排除",))),
        Column("classified_at", "分类时间", "timestamp", example="2022-08-05 09:30",
               note_zh="分类变更（如无症状转确诊）时必填", note_en="required when the classification changes"),
        Column("cluster_code", "聚集性疫情", "text", example="7·13 江北"),
        Column("infector_case_id", "传染源病例编号", "integer"),
        DISTRICT, TOWNSHIP, COMMUNITY,
        Column("grid_code", "网格编码", "text"),
        Column("source", "来源", "enum", required=True, example="本土", values=_enum(
            abroad=("境外输入",), other_province=("外省输入", "省外输入"), local=("本土", "本地"))),
        Column("found_in", "发现途径", "enum", required=True, example="管控人员中", values=_enum(
            under_control=("管控人员中", "管控中发现"), social=("社会面", "社会面筛查"))),
        Column("control_setting", "管控方式", "enum", values=_enum(
            centralized_isolation=("集中隔离",), home_isolation=("居家隔离",), sealed_area=("封控区",))),
        _ts("onset_at", "发病时间"),
        _ts("sampled_at", "采样时间", required=True, example="2022-08-05 06:10"),
        _ts("prelim_positive_at", "初筛阳性时间", example="2022-08-05 08:40"),
        _ts("reported_at", "网络直报时间", example="2022-08-05 09:20"),
        _ts("confirmed_at", "复核确认时间", example="2022-08-05 09:30"),
        _ts("hospital_transfer_at", "转运至定点医院时间", example="2022-08-05 11:00"),
        _ts("published_at", "信息发布时间"),
        Column("outcome", "转归", "enum", required=True, example="在院", values=_enum(
            in_hospital=("在院", "住院"), recovered=("治愈出院", "出院"), died=("死亡",))),
        _ts("discharged_at", "出院时间"),
        _ts("died_at", "死亡时间"),
        _ts("retest_day3_at", "出院第3天复检时间"),
        _ts("retest_day7_at", "出院第7天复检时间"),
    ),
    orders=(Order("prelim_positive_at", "sampled_at"), Order("reported_at", "prelim_positive_at"),
            Order("hospital_transfer_at", "sampled_at"), Order("discharged_at", "hospital_transfer_at", strict=True)),
    references=(Reference("infector_case_id", "cases", "case_id"),),
))

_add(TableSpec(
    "contacts", "密接与次密接", "close and secondary contacts", "流调与密接管理系统", key=("contact_id",),
    person="required",
    columns=(
        Column("contact_id", "密接编号", "integer", required=True, example="900001"),
        *_person_columns(required=True),
        Column("contact_type", "类别", "enum", required=True, example="密接", values=_enum(
            close=("密接", "密切接触者"), secondary=("次密接", "密接的密接"))),
        Column("index_case_id", "关联病例编号", "integer", required=True, example="1"),
        Column("via_contact_id", "关联密接编号", "integer", note_zh="次密接必填", note_en="required for secondary contacts"),
        DISTRICT, TOWNSHIP, COMMUNITY,
        _ts("identified_at", "判定时间", required=True, example="2022-08-05 07:00"),
        _ts("reached_at", "首次联系时间", example="2022-08-05 07:30"),
        _ts("transferred_at", "转运到隔离点时间", example="2022-08-05 12:10",
            note_zh="8 小时内转运（003 第53条）", note_en="within 8 h (003 #53)"),
        Column("isolation_mode", "隔离方式", "enum", example="集中隔离", values=_enum(
            centralized=("集中隔离", "集中"), home=("居家隔离", "居家"))),
        Column("facility_id", "隔离点编号", "text", example="F500105003"),
        Column("room_id", "房间编号", "text", example="F500105003-0153"),
        Column("transport_run_id", "转运车次编号", "integer"),
        _ts("quarantine_start_at", "隔离开始时间", example="2022-08-05 12:10"),
        _ts("quarantine_end_at", "隔离结束时间"),
        _ts("turned_positive_at", "转阳时间"),
        Column("positive_case_id", "转阳病例编号", "integer"),
    ),
    orders=(Order("reached_at", "identified_at"), Order("transferred_at", "identified_at"),
            Order("quarantine_end_at", "quarantine_start_at")),
    references=(Reference("index_case_id", "cases", "case_id"), Reference("facility_id", "facilities", "facility_id"),
                Reference("room_id", "rooms", "room_id")),
    rules=(Rule("contact_type = 'secondary' and via_contact_id is null", "via_contact_id", "secondary_needs_via"),),
))

_add(TableSpec(
    "facilities", "隔离点", "isolation facilities", "隔离点管理系统", key=("facility_id",),
    columns=(
        Column("facility_id", "隔离点编号", "text", required=True, example="F500105901"),
        DISTRICT, TOWNSHIP,
        Column("name_zh", "隔离点名称", "text", required=True, example="江北区某酒店隔离点"),
        Column("kind", "类型", "enum", required=True, example="酒店", values=_enum(
            hotel=("酒店", "宾馆"), purpose_built=("专用隔离点", "新建"), dormitory=("公寓", "宿舍"),
            shelter=("方舱", "方舱医院"))),
        Column("rooms_planned", "规划房间数", "count", required=True, minimum=1, example="120"),
        _ts("assessed_at", "评估合格时间", example="2022-08-01 10:00",
            note_zh="空：尚未评估合格", note_en="empty: not yet assessed"),
        _ts("closed_at", "关闭时间"),
    ),
    orders=(Order("closed_at", "assessed_at"),),
))

_add(TableSpec(
    "rooms", "隔离房间", "isolation rooms", "隔离点管理系统", key=("room_id",),
    columns=(
        Column("room_id", "房间编号", "text", required=True, example="F500105901-0101"),
        Column("facility_id", "隔离点编号", "text", required=True, example="F500105901"),
        Column("room_number", "房号", "text", required=True, example="101"),
    ),
    references=(Reference("facility_id", "facilities", "facility_id"),),
))

_add(TableSpec(
    "room_stays", "入住记录", "room stays", "隔离点管理系统", key=("stay_id",), person="required",
    columns=(
        Column("stay_id", "入住记录编号", "integer", required=True, example="900001"),
        Column("room_id", "房间编号", "text", required=True, example="F500105003-0153"),
        *_person_columns(required=True),
        Column("person_kind", "人员类别", "enum", required=True, example="密接", values=_enum(
            close_contact=("密接", "密切接触者"), secondary_contact=("次密接",), arrival=("入境人员", "来渝人员", "入渝人员"),
            other=("其他",))),
        Column("contact_id", "密接编号", "integer"),
        _ts("check_in_at", "入住时间", required=True, example="2022-08-05 12:10"),
        _ts("check_out_at", "离开时间", note_zh="空：仍在房间", note_en="empty: still in the room"),
    ),
    orders=(Order("check_out_at", "check_in_at"),),
    references=(Reference("room_id", "rooms", "room_id"), Reference("contact_id", "contacts", "contact_id")),
))

_add(TableSpec(
    "testing_rounds", "核酸检测轮次", "testing rounds", "市、区县核酸检测专班", key=("round_id",),
    columns=(
        Column("round_id", "轮次编号", "text", required=True, example="R2022-08-05"),
        Column("name_zh", "轮次名称", "text", required=True, example="江北区第5轮全员核酸检测"),
        Column("scope", "检测范围", "enum", required=True, example="区县全域", values=_enum(
            citywide=("全市", "全市全员"), districts=("区县全域", "全区", "全县"),
            areas=("重点区域", "部分区域", "划定区域"))),
        _ts("started_at", "启动时间", required=True, example="2022-08-05 06:00"),
        _ts("deadline_at", "完成时限", example="2022-08-06 06:00",
            note_zh="空：按启动时间加设置 testing_round_deadline_hours（24 小时）计",
            note_en="empty: the start plus the setting testing_round_deadline_hours (24 h)"),
    ),
    orders=(Order("deadline_at", "started_at", strict=True),),
    due=("deadline_at",),
))

_add(TableSpec(
    "testing_round_targets", "核酸检测轮次目标", "testing round targets", "区县核酸检测专班",
    key=("round_id", "township_code", "risk_level"),
    columns=(
        Column("round_id", "轮次编号", "text", required=True, example="R2022-08-05"),
        DISTRICT,
        Column("township_code", "乡镇街道编码", "township", required=True, example="500105001",
               note_zh="须属于所填区县", note_en="must lie in the district given"),
        Column("risk_level", "风险等级", "enum", required=True, example="低风险", values=_enum(
            high=("高风险", "高", "封控区"), medium=("中风险", "中", "管控区"), low=("低风险", "低", "防范区"))),
        Column("pool_size", "混采比例", "enum", required=True, example="10", values=_enum(
            **{"1": ("1:1", "单采"), "5": ("1:5", "5混1"), "10": ("1:10", "10混1"), "20": ("1:20", "20混1")}),
            note_zh="高风险单采、中风险 5 混 1、低风险 10 混 1（003 第52条；不符的照常导入，由指标标红）",
            note_en="high 1:1, medium 1:5, low 1:10 (003 #52; a mismatch is imported and shown red)"),
        Column("target_population", "应检人数", "count", required=True, example="35000"),
    ),
    references=(Reference("round_id", "testing_rounds", "round_id"),),
))

_add(TableSpec(
    "testing_progress_reports", "核酸检测进度", "testing progress reports", "区县核酸检测专班（每 2 小时）",
    key=("round_id", "district_code", "reported_at"),
    columns=(
        Column("round_id", "轮次编号", "text", required=True, example="R2022-08-05"),
        DISTRICT,
        _ts("reported_at", "报告时间", required=True, example="2022-08-05 10:00"),
        Column("people_sampled", "已采样人数", "count", required=True, example="350000",
               note_zh="累计数", note_en="cumulative"),
        Column("people_tested", "已检测人数", "count", required=True, example="280000",
               note_zh="累计数，不超过已采样人数", note_en="cumulative, at most people sampled"),
        Column("tubes_tested", "已检测管数", "count", required=True, example="28000"),
        Column("positive_tubes", "阳性管数", "count", required=True, example="0"),
    ),
    orders=(Order("people_sampled", "people_tested"),),
    references=(Reference("round_id", "testing_rounds", "round_id"),),
))

_add(TableSpec(
    "testing_tubes", "核酸检测样本管", "testing tubes", "检测机构（LIS）", key=("tube_id",),
    columns=(
        Column("tube_id", "样本管编号", "integer", required=True, example="90000001"),
        Column("round_id", "轮次编号", "text", required=True, example="R2022-08-05"),
        DISTRICT,
        Column("township_code", "乡镇街道编码", "township", required=True, example="500105001"),
        Column("community_code", "社区编码", "community", required=True, example="500105001001"),
        Column("pool_size", "混采比例", "enum", required=True, example="10", values=_enum(
            **{"1": ("1:1", "单采"), "5": ("1:5", "5混1"), "10": ("1:10", "10混1"), "20": ("1:20", "20混1")})),
        Column("people_in_tube", "管内人数", "count", required=True, minimum=1, maximum=20, example="10",
               note_zh="不超过混采比例", note_en="at most the pool size"),
        _ts("sampled_at", "采样时间", required=True, example="2022-08-05 08:00"),
        _ts("received_at", "接收时间", example="2022-08-05 09:10"),
        _ts("resulted_at", "出结果时间", example="2022-08-05 13:00"),
        Column("result", "结果", "enum", required=True, example="阴性", values=_enum(
            pending=("待检", "检测中"), negative=("阴性",), positive=("阳性",))),
    ),
    orders=(Order("received_at", "sampled_at"), Order("resulted_at", "received_at"),
            Order("pool_size", "people_in_tube")),
    references=(Reference("round_id", "testing_rounds", "round_id"),),
))

_add(TableSpec(
    "testing_samples", "核酸采样记录", "testing samples", "核酸采样系统（每人一条，不含身份信息）",
    key=("sample_id",),
    columns=(
        Column("sample_id", "采样编号", "integer", required=True, example="900000001"),
        Column("tube_id", "样本管编号", "integer", required=True, example="90000001"),
        _ts("sampled_at", "采样时间", required=True, example="2022-08-05 08:00"),
    ),
    references=(Reference("tube_id", "testing_tubes", "tube_id"),),
))

_add(TableSpec(
    "risk_areas", "风险区", "risk areas", "区县疫情防控指挥部", key=("risk_area_id",),
    columns=(
        Column("risk_area_id", "风险区编号", "text", required=True, example="H500105001009"),
        DISTRICT,
        Column("township_code", "乡镇街道编码", "township", required=True, example="500105001"),
        COMMUNITY,
        Column("name_zh", "风险区名称", "text", required=True, example="某小区3栋"),
        Column("level", "风险等级", "enum", required=True, example="高风险", values=_enum(
            high=("高风险", "高"), medium=("中风险", "中"), low=("低风险", "低"))),
        Column("residents", "涉及人数", "count", required=True, example="1200"),
        _ts("designated_at", "划定时间", required=True, example="2022-08-05 10:00"),
        _ts("lifted_at", "解除时间"),
    ),
    orders=(Order("lifted_at", "designated_at", strict=True),),
))

_add(TableSpec(
    "risk_area_support_reports", "风险区保障日报", "risk area support reports", "区县疫情防控指挥部（每日）",
    key=("risk_area_id", "reported_at"),
    columns=(
        Column("risk_area_id", "风险区编号", "text", required=True, example="H500105001009"),
        _ts("reported_at", "报告时间", required=True, example="2022-08-05 08:30"),
        Column("staff_on_duty", "在岗工作人员数", "count", required=True, example="120"),
        Column("supply_days", "生活物资可保障天数", "decimal", required=True, example="15.5",
               note_zh="米面油等可供居民的天数", note_en="days of grain and oil held for residents"),
    ),
    references=(Reference("risk_area_id", "risk_areas", "risk_area_id"),),
))

_add(TableSpec(
    "investigations", "流调时效", "epidemiological investigations", "流调溯源专班", key=("case_id",),
    columns=(
        Column("case_id", "病例编号", "integer", required=True, example="1"),
        DISTRICT,
        _ts("positive_confirmed_at", "阳性复核确认时间", required=True, example="2022-08-05 09:30",
            note_zh="计时起点", note_en="the clock starts here"),
        _ts("team_on_site_at", "流调队伍到场时间", example="2022-08-05 11:00", note_zh="2 小时内", note_en="within 2 h"),
        _ts("core_info_done_at", "核心信息完成时间", example="2022-08-05 13:00", note_zh="4 小时内", note_en="within 4 h"),
        _ts("full_trace_done_at", "流调报告完成时间", example="2022-08-06 08:00", note_zh="24 小时内",
            note_en="within 24 h"),
    ),
    orders=(Order("team_on_site_at", "positive_confirmed_at"), Order("core_info_done_at", "positive_confirmed_at"),
            Order("full_trace_done_at", "positive_confirmed_at")),
    references=(Reference("case_id", "cases", "case_id"),),
))

_add(TableSpec(
    "screening_tasks", "推送核查任务", "screening tasks", "社区排查系统", key=("task_id",), person="optional",
    columns=(
        Column("task_id", "任务编号", "integer", required=True, example="900001"),
        *_person_columns(required=False),
        Column("list_type", "名单类型", "enum", required=True, example="时空伴随", values=_enum(
            spacetime_companion=("时空伴随", "时空伴随者"), same_vehicle=("同乘交通工具", "同乘"),
            key_area_stay=("重点地区驻留", "重点地区"), roaming=("漫游", "漫游人员"))),
        DISTRICT, TOWNSHIP, COMMUNITY,
        _ts("pushed_at", "推送时间", required=True, example="2022-08-05 07:00"),
        _ts("checked_at", "核查时间", example="2022-08-05 12:00"),
        Column("outcome", "核查结果", "enum", example="已核实", values=_enum(
            verified=("已核实", "核实"), unverifiable=("无法核实",), not_in_chongqing=("不在渝", "已离渝"))),
        _ts("police_review_at", "公安复核时间"),
    ),
    orders=(Order("checked_at", "pushed_at"),),
    rules=(Rule("checked_at is null and outcome is not null", "checked_at", "outcome_needs_check"),
           Rule("checked_at is not null and outcome is null", "outcome", "check_needs_outcome")),
))


_add(TableSpec(
    "sampling_sites", "核酸采样点", "sampling sites", "区县核酸检测专班", key=("site_id",),
    columns=(
        Column("site_id", "采样点编号", "text", required=True, example="S500105001001-1"),
        DISTRICT,
        Column("community_code", "社区编码", "community", required=True, aliases=("村社区编码",),
               example="500105001001", note_zh="须属于所填区县", note_en="must lie in the district given"),
        _ts("opened_at", "启用时间", required=True, example="2022-04-01 08:00"),
        _ts("closed_at", "撤除时间", note_zh="空：仍在使用", note_en="empty: still open"),
    ),
    orders=(Order("closed_at", "opened_at"),),
))

_add(TableSpec(
    "assist_letters", "协查函", "assist letters", "流调溯源专班", key=("letter_id",),
    columns=(
        Column("letter_id", "协查函编号", "integer", required=True, example="900001"),
        Column("case_id", "关联病例编号", "integer", required=True, example="1"),
        Column("from_district_code", "发函区县", "district", required=True, aliases=("发函区县编码",),
               example="500105", note_zh="编码或名称", note_en="code or name"),
        Column("destination_kind", "协查去向", "enum", required=True, example="市外", values=_enum(
            other_district=("市内其他区县", "市内", "外区县"), other_province=("市外", "外省", "外省市"))),
        Column("destination", "协查地", "text", required=True, example="四川省"),
        Column("risk_people", "涉及风险人员数", "count", required=True, minimum=1, example="6"),
        _ts("identified_at", "风险人员判定时间", required=True, example="2022-08-05 10:00"),
        _ts("sent_at", "发函时间", example="2022-08-05 11:30", note_zh="空：尚未发函", note_en="empty: not sent yet"),
    ),
    orders=(Order("sent_at", "identified_at"),),
    references=(Reference("case_id", "cases", "case_id"),),
))

_add(TableSpec(
    "arrivals", "来（返）渝人员", "arrivals", "社区排查与入境人员管理系统", key=("arrival_id",), person="optional",
    columns=(
        Column("arrival_id", "来渝登记编号", "integer", required=True, example="900001"),
        *_person_columns(required=False),
        DISTRICT, COMMUNITY,
        Column("origin_kind", "来源类别", "enum", required=True, example="国内重点地区", values=_enum(
            key_area_domestic=("国内重点地区", "中高风险地区", "省外重点地区"), abroad=("境外", "入境", "境外入境"))),
        _ts("arrived_at", "抵渝时间", required=True, example="2022-08-05 14:00"),
        _ts("registered_at", "建档时间", example="2022-08-05 18:00",
            note_zh="一人一档建档时间；空：尚未建档", note_en="one-person-one-file record; empty: not yet registered"),
        Column("travel_history_days", "旅居史天数", "enum", example="14", values=_enum(
            **{"14": ("14", "14天"), "28": ("28", "28天")}),
            note_zh="国内重点地区 14 天，境外 28 天", note_en="14 days for domestic key areas, 28 from abroad"),
    ),
    orders=(Order("registered_at", "arrived_at"),),
))


_add(TableSpec(
    "occupational_testing", "重点行业人员核酸检测", "occupational testing", "区县核酸检测专班（每日）",
    key=("district_code", "occupation", "test_date"),
    columns=(
        DISTRICT,
        Column("occupation", "行业", "enum", required=True, example="冷链从业人员", values=_enum(
            cold_chain=("冷链从业人员", "冷链"), quarantine_hotel=("隔离酒店工作人员", "隔离点工作人员"),
            designated_hospital=("定点医院医务人员", "定点医院及发热门诊"), courier=("快递外卖人员", "快递"),
            port_logistics=("口岸服务保障人员", "口岸"), general_hospital=("普通医疗机构医务人员", "医疗机构"),
            public_transport=("公共交通从业人员", "公共交通"))),
        Column("risk_tier", "风险类别", "enum", required=True, example="高风险", values=_enum(
            high=("高风险", "高风险岗位", "每日一检"), higher=("较高风险", "较高风险岗位", "每周两检")),
            note_zh="高风险每日一检，较高风险每周两检（003 第39条）",
            note_en="high: tested daily; higher: twice a week (003 #39)"),
        Column("test_date", "检测日期", "date", required=True, example="2022-08-05"),
        Column("people_due", "应检人数", "count", required=True, example="850"),
        Column("people_tested", "实检人数", "count", required=True, example="850"),
    ),
))

_add(TableSpec(
    "vaccination_60plus", "60岁以上人群疫苗接种", "vaccination of residents aged 60+", "区县卫生健康委（每周）",
    key=("district_code", "report_date"),
    columns=(
        DISTRICT,
        Column("report_date", "统计日期", "date", required=True, example="2022-08-01"),
        Column("residents_60plus", "60岁以上常住人口", "count", example="210000",
               note_zh="空：人口数不详", note_en="empty: not known"),
        Column("vaccinated_full", "全程接种人数", "count", required=True, example="190000",
               note_zh="不超过60岁以上常住人口", note_en="at most the residents aged 60+"),
        Column("vaccinated_booster", "加强免疫人数", "count", required=True, example="150000",
               note_zh="不超过全程接种人数", note_en="at most the fully vaccinated"),
    ),
    orders=(Order("residents_60plus", "vaccinated_full"), Order("vaccinated_full", "vaccinated_booster")),
))


_add(TableSpec(
    "contact_tests", "密接核酸检测", "contact tests", "流调与密接管理系统", key=("contact_id", "sampled_at"),
    columns=(
        Column("contact_id", "密接编号", "integer", required=True, example="1"),
        _ts("sampled_at", "采样时间", required=True, example="2022-08-05 08:00"),
        Column("result", "检测结果", "enum", required=True, example="阴性", values=_enum(
            negative=("阴性",), positive=("阳性",), pending=("待检", "检测中", "待出结果"))),
    ),
    references=(Reference("contact_id", "contacts", "contact_id"),),
))

_add(TableSpec(
    "case_classifications", "病例分类变更", "case classification history", "传染病网络直报与流调系统",
    key=("case_id", "classified_at"),
    columns=(
        Column("case_id", "病例编号", "integer", required=True, example="1"),
        Column("classification", "分类", "enum", required=True, example="确诊",
               note_zh="只补录分类历史，病例当前分类以“病例”表为准（在病例表中改分类会自动记入本表）",
               note_en="history only: a case's current class is the one in cases (a change made there is "
                       "recorded here)", values=_enum(
            confirmed=("确诊", "确诊病例"), asymptomatic=("无症状", "无症状感染者"), suspected=("疑似", "疑似病例"),
            excluded=("排除",))),
        _ts("classified_at", "分类时间", required=True, example="2022-08-05 09:30"),
    ),
    references=(Reference("case_id", "cases", "case_id"),),
))


# --- the geography below the district (rulebook section 8: five levels) and transfer vehicles ---------

# A centroid a duty officer types lies in Chongqing: decimal degrees (WGS84 / CGCS2000), the city's
# extent rounded outward (it spans about 105.2–110.2 E, 28.2–32.2 N).
CHONGQING_LON = (105, 111)
CHONGQING_LAT = (28, 33)


def _nests(child: str, parent: str, digits: int | None = None) -> str:
    """The SQL condition true when a code does not nest in its parent's: it must start with the
    parent code and be longer (by exactly `digits` digits where the national code fixes them)."""
    broken = f"left({child}, length({parent})) <> {parent}"
    if digits is None:
        return f"{broken} or length({child}) <= length({parent})"
    return f"{broken} or length({child}) <> length({parent}) + {digits} or not regexp_full_match({child}, '[0-9]+')"


def _place_code(name: str, zh: str, aliases: tuple[str, ...], example: str, note_zh: str, note_en: str) -> Column:
    return Column(name, zh, "text", required=True, aliases=aliases, example=example, note_zh=note_zh, note_en=note_en)


POPULATION_NOTE_ZH = "空：无人口数（不按 0 计）；演示数据的人口为合成数"
POPULATION_NOTE_EN = "empty: no figure (never read as 0); the demo's figures are synthetic"

_add(TableSpec(
    "townships", "乡镇（街道）", "townships and streets", "区县民政部门（行政区划）", key=("township_code",),
    columns=(
        _place_code("township_code", "乡镇街道编码",
                    ("乡镇编码", "街道编码", "乡镇（街道）编码", "街道（乡镇）编码", "乡镇代码", "街道代码"),
                    "500105001", "区县编码加 3 位数字（统计用区划代码前 9 位）",
                    "the district code plus 3 digits (the first 9 digits of the statistical division code)"),
        DISTRICT,
        Column("name_zh", "乡镇街道名称", "text", required=True, aliases=("乡镇名称", "街道名称", "乡镇（街道）名称"),
               example="观音桥街道"),
        Column("kind", "类型", "enum", required=True, aliases=("乡镇类型", "类别"), example="街道", values=_enum(
            street=("街道", "街道办事处"), town=("镇",), township=("乡", "民族乡"))),
        Column("population", "常住人口", "count", aliases=("常住人口数", "人口数", "人口"), example="85000",
               note_zh=POPULATION_NOTE_ZH, note_en=POPULATION_NOTE_EN),
        Column("centroid_lon", "中心点经度", "decimal", required=True, aliases=("经度", "longitude", "lon"),
               minimum=CHONGQING_LON[0], maximum=CHONGQING_LON[1], example="106.5339",
               note_zh="十进制度（WGS84/CGCS2000），重庆市域内；取乡镇政府（街道办事处）驻地或辖区中心，"
                       "用于地图定位", note_en="decimal degrees (WGS84/CGCS2000) inside Chongqing: the seat of "
                                               "the township government or the middle of its area, for the map"),
        Column("centroid_lat", "中心点纬度", "decimal", required=True, aliases=("纬度", "latitude", "lat"),
               minimum=CHONGQING_LAT[0], maximum=CHONGQING_LAT[1], example="29.5752",
               note_zh="十进制度，重庆市域内", note_en="decimal degrees inside Chongqing"),
    ),
    rules=(Rule(_nests("township_code", "district_code", 3), "township_code", "code_not_nested"),),
    note_zh="新导入的乡镇（街道）即出现在乡镇筛选中。", note_en="A township imported shows in the township filter.",
))

_add(TableSpec(
    "communities", "村（社区）", "villages and communities", "区县民政部门（行政区划）", key=("community_code",),
    columns=(
        _place_code("community_code", "社区编码", ("村社区编码", "村（社区）编码", "村居编码", "村（居）委会代码", "社区代码"),
                    "500105001001", "乡镇街道编码加 3 位数字（统计用区划代码，12 位）",
                    "the township code plus 3 digits (the 12-digit statistical division code)"),
        DISTRICT,
        Column("township_code", "乡镇街道编码", "township", required=True,
               aliases=("乡镇编码", "街道编码", "乡镇（街道）编码", "街道（乡镇）编码"), example="500105001",
               note_zh="须已导入（乡镇（街道）表），且属于所填区县",
               note_en="must be held already (townships) and lie in the district given"),
        Column("name_zh", "社区名称", "text", required=True, aliases=("村社区名称", "村（社区）名称", "村名称", "村居名称"),
               example="建新东路社区"),
        Column("kind", "类型", "enum", required=True, aliases=("村社区类型", "类别"), example="社区", values=_enum(
            community=("社区", "社区居委会", "居委会"), village=("村", "行政村", "村委会"))),
        Column("population", "常住人口", "count", aliases=("常住人口数", "居民人数", "人口数", "人口"), example="6500",
               note_zh=POPULATION_NOTE_ZH + "；3000 人以上的社区须有采样点（TEST-SITES）",
               note_en=POPULATION_NOTE_EN + "; a community of 3,000 or more needs a sampling site (TEST-SITES)"),
    ),
    rules=(Rule(_nests("community_code", "township_code", 3), "community_code", "code_not_nested"),),
))

_add(TableSpec(
    "grids", "网格", "grids", "区县网格化管理系统", key=("grid_code",),
    columns=(
        _place_code("grid_code", "网格编码", ("网格代码", "网格编号"), "50010500100101",
                    "以所属社区编码开头（演示数据：社区编码加 2 位）",
                    "starts with its community's code (in the demo: the community code plus 2 digits)"),
        DISTRICT,
        Column("community_code", "社区编码", "community", required=True,
               aliases=("村社区编码", "村（社区）编码", "村居编码"), example="500105001001",
               note_zh="须已导入（村（社区）表），且属于所填区县",
               note_en="must be held already (communities) and lie in the district given"),
        Column("name_zh", "网格名称", "text", required=True, aliases=("网格名",), example="第1网格"),
    ),
    rules=(Rule(_nests("grid_code", "community_code"), "grid_code", "code_not_nested"),),
))

_add(TableSpec(
    "buildings", "楼栋", "buildings", "区县网格化管理系统（标准地址）", key=("building_code",),
    columns=(
        Column("building_code", "楼栋编码", "text", required=True, aliases=("楼栋编号", "楼栋代码", "建筑物编码"),
               example="50010500100101003", note_zh="区县地址系统的编号", note_en="as the district's address system numbers it"),
        DISTRICT,
        Column("community_code", "社区编码", "community", required=True,
               aliases=("村社区编码", "村（社区）编码", "村居编码"), example="500105001001",
               note_zh="须已导入，且属于所填区县", note_en="must be held already and lie in the district given"),
        Column("grid_code", "网格编码", "text", required=True, aliases=("网格代码", "网格编号"), example="50010500100101",
               note_zh="须已导入（网格表），且属于所填社区（以社区编码开头）",
               note_en="must be held already (grids) and lie in the community given (start with its code)"),
        Column("name_zh", "楼栋名称或地址", "text", required=True, aliases=("楼栋名称", "楼栋地址", "地址", "门牌地址"),
               example="建新东路某小区3栋"),
        Column("residents", "居住人数", "count", aliases=("常住人口", "居民人数", "人口数"), example="120",
               note_zh="空：无人数（不按 0 计）", note_en="empty: no figure (never read as 0)"),
    ),
    references=(Reference("grid_code", "grids", "grid_code"),),
    rules=(Rule(_nests("grid_code", "community_code"), "grid_code", "code_not_nested"),),
    note_zh="尚无指标读取楼栋；风险区按社区划定，楼栋只见于风险区名称。",
    note_en="No rule reads buildings yet: a risk area names its community, and a building only in its name.",
))

_add(TableSpec(
    "transport_runs", "转运车次", "transport runs", "转运专班（隔离转运调度）", key=("transport_run_id",),
    columns=(
        Column("transport_run_id", "转运车次编号", "integer", required=True, aliases=("车次编号", "转运编号", "转运任务编号"),
               example="900001"),
        Column("district_code", "区县", "district", required=True, aliases=("区县编码", "区县名称", "district"),
               example="500105", note_zh="转运所属区县（编码或名称）；同车混运指标按此统计",
               note_en="the run's district (code or name); CON-SEPARATE counts runs here"),
        _ts("departed_at", "出发时间", required=True, aliases=("发车时间", "转运出发时间"), example="2022-08-05 10:00"),
        _ts("arrived_at", "到达时间", aliases=("抵达时间", "到达隔离点时间"), example="2022-08-05 10:45",
            note_zh="空：尚未到达", note_en="empty: not arrived yet"),
    ),
    orders=(Order("arrived_at", "departed_at"),),
))

_add(TableSpec(
    "transport_passengers", "转运乘员", "transport passengers", "转运专班（隔离转运调度）",
    key=("transport_run_id", "passenger_kind", "case_id", "contact_id"),
    columns=(
        Column("transport_run_id", "转运车次编号", "integer", required=True, aliases=("车次编号", "转运编号"),
               example="900001"),
        Column("passenger_kind", "人员类别", "enum", required=True, aliases=("乘员类别", "人员类型"), example="病例",
               values=_enum(case=("病例", "感染者", "阳性感染者"), contact=("密接", "密切接触者", "次密接")),
               note_zh="病例与密接不得同车（003 第53条；同车的照常导入，由指标标红）",
               note_en="cases never ride with contacts (003 #53; a mixed run is imported and shown red)"),
        Column("case_id", "病例编号", "integer", aliases=("感染者编号",), example="1",
               note_zh="病例必填，密接不填", note_en="for a case; empty for a contact"),
        Column("contact_id", "密接编号", "integer", aliases=("密切接触者编号",), example="",
               note_zh="密接必填，病例不填", note_en="for a contact; empty for a case"),
    ),
    references=(Reference("transport_run_id", "transport_runs", "transport_run_id"),
                Reference("case_id", "cases", "case_id"), Reference("contact_id", "contacts", "contact_id")),
    rules=(Rule("passenger_kind = 'case' and (case_id is null or contact_id is not null)", "case_id",
                "passenger_id_for_kind"),
           Rule("passenger_kind = 'contact' and (contact_id is null or case_id is not null)", "contact_id",
                "passenger_id_for_kind")),
    note_zh="每行一名乘员，整行即主键：同一行再次导入不变，已导入的乘员不会被改写或删除。",
    note_en="One passenger a row; the whole row is the key: the same row again changes nothing, and a "
            "passenger once loaded is never rewritten or removed by an import.",
))


def table(name: str) -> TableSpec:
    if name not in TABLES:
        raise KeyError(name)
    return TABLES[name]


def by_label(label: str) -> str | None:
    """A table's name from its name, Chinese name or English name."""
    label = label.strip()
    for spec in TABLES.values():
        if label in (spec.name, spec.zh, spec.en):
            return spec.name
    return None
