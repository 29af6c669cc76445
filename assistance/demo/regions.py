"""The demo jurisdictions: the region tree of each county and its county-level data.

Codes. Provinces, cities and counties carry their GB/T 2260 codes. Towns (乡镇、街道) carry their real
9-digit statistical division codes (国家统计局统计用区划代码), checked against the published list — except
under 九华山风景区, see below. Villages and communities carry 12-digit codes under their town that follow
the statistical pattern (社区/居委会 ``0xx``, 村委会 ``2xx``) but are **illustrative**: the codes were not
checked, and only the village names marked ``# real`` are known to exist; the others are plausible names
made up for the demo.

九华山风景区 is a county-level management area of 池州市 without a GB/T 2260 code, and the statistical
division list does not give it one either: its towns 九华镇 (341723108) and 九华乡 (341723203) are listed
under 青阳县 (341723). The demo therefore uses the **local code 341799**, which is no national code, with
its towns under it keeping the statistical town suffix. Its residents' ID numbers start with 341723
(青阳县), where their 户籍 is registered.

Standards. The 低保 standards are illustrative (``is_demo=True``): around the 2024 national averages,
urban 798.1 and rural 593.9 yuan per person and month; the Jiangsu jurisdictions use one standard for
urban and rural households as Jiangsu cities do. They are not the jurisdictions' actual standards.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

DEMO_STANDARD_BASIS = "演示数据：参照2024年全国平均标准（城市798.1元、农村593.9元/人·月）示意，非当地实际标准"
STANDARD_MONTHS = (datetime.date(2025, 7, 1), datetime.date(2026, 7, 1))


@dataclass(frozen=True)
class RegionSpec:
    code: str
    name: str
    is_urban: bool = False


@dataclass(frozen=True)
class TownSpec:
    code: str
    name: str
    villages: tuple[RegionSpec, ...]
    is_urban: bool = False  # 街道


@dataclass(frozen=True)
class CountySpec:
    slug: str
    short_name: str  # used in staff display names and addresses
    province: RegionSpec
    city: RegionSpec
    county: RegionSpec
    towns: tuple[TownSpec, ...]
    id_codes: tuple[str, ...]  # region codes for residents' ID numbers, first one most common
    spouse_codes: tuple[str, ...]  # neighbouring codes for members born elsewhere (disjoint per county)
    # Illustrative standards: {area_type: (from 2025-07, from 2026-07)}
    standards: dict[str, tuple[Decimal, Decimal]]
    basic_pension: Decimal  # 城乡居民基础养老金, yuan/month (illustrative)
    illnesses: tuple[str, ...]
    banks: tuple[str, ...]
    plate_prefix: str
    phone_area_code: str
    away_places: tuple[str, ...]  # where children live and work elsewhere (their ID numbers stay local)
    city_price_per_m2: int  # rough housing price for asset values
    korean_share: float = 0.0  # share of 朝鲜族 households (names)
    surname_boost: dict[str, float] = field(default_factory=dict)
    code_note: str = ""  # when the county code is not a national one


def _villages(town_code: str, *names: str) -> tuple[RegionSpec, ...]:
    """Number communities 001, 002 … and villages 201, 202 … under the town (statistical pattern)."""
    result = []
    urban_n = rural_n = 0
    for name in names:
        if name.endswith("社区"):
            urban_n += 1
            result.append(RegionSpec(f"{town_code}{urban_n:03d}", name, is_urban=True))
        else:
            rural_n += 1
            result.append(RegionSpec(f"{town_code}{200 + rural_n:03d}", name))
    return tuple(result)


# The national serious-illness categories most local lists share (重特大疾病); each county adds its own.
COMMON_ILLNESSES = (
    "恶性肿瘤",
    "尿毒症（终末期肾病）",
    "白血病",
    "重性精神病（严重精神障碍）",
    "器官移植术后抗排异治疗",
    "再生障碍性贫血",
    "血友病",
    "系统性红斑狼疮",
    "肝硬化失代偿期",
    "耐多药肺结核",
    "慢性心力衰竭",
    "脑卒中后遗症",
    "儿童先天性心脏病",
)

_Y = Decimal

JILIN = RegionSpec("220000", "吉林省")
JIANGSU = RegionSpec("320000", "江苏省")
ANHUI = RegionSpec("340000", "安徽省")
GANSU = RegionSpec("620000", "甘肃省")

COUNTIES: tuple[CountySpec, ...] = (
    CountySpec(
        slug="changbai",
        short_name="长白县",
        province=JILIN,
        city=RegionSpec("220600", "白山市"),
        county=RegionSpec("220623", "长白朝鲜族自治县"),
        towns=(
            TownSpec("220623100", "长白镇", _villages("220623100", "民主社区", "团结社区", "塔山社区", "干沟子村")),
            TownSpec(
                "220623101", "八道沟镇", _villages("220623101", "八道沟村", "马鞍山村", "葫芦套村")
            ),  # 马鞍山村 real
            TownSpec("220623102", "十四道沟镇", _villages("220623102", "十四道沟村", "望天鹅村", "十三道沟村")),
            TownSpec(
                "220623103", "马鹿沟镇", _villages("220623103", "马鹿沟村", "果园村", "西马鹿沟村")
            ),  # 果园村 real
            TownSpec("220623200", "金华乡", _villages("220623200", "金华村", "梨田村", "光明村")),
        ),
        id_codes=("220623",),
        spouse_codes=("220621", "220681", "220602"),  # 抚松县, 临江市, 浑江区
        standards={"urban": (_Y("760"), _Y("790")), "rural": (_Y("575"), _Y("600"))},
        basic_pension=_Y("138"),
        illnesses=(*COMMON_ILLNESSES, "大骨节病（重度）", "慢性阻塞性肺疾病（重度）", "帕金森病"),
        banks=("中国农业银行", "吉林长白农村商业银行", "中国邮政储蓄银行", "中国建设银行"),
        plate_prefix="吉F",
        phone_area_code="0439",
        away_places=(
            "吉林省白山市浑江区",
            "吉林省长春市朝阳区",
            "吉林省延吉市",
            "山东省青岛市黄岛区",
            "北京市朝阳区",
        ),
        city_price_per_m2=3200,
        korean_share=0.15,
        surname_boost={"金": 2.0, "崔": 3.0, "朴": 1.0, "姜": 1.5, "韩": 1.5, "于": 1.5, "孙": 1.3},
    ),
    CountySpec(
        slug="nantong-chongchuan",
        short_name="崇川区",
        province=JIANGSU,
        city=RegionSpec("320600", "南通市"),
        # 320613 since 2020 (崇川 and 港闸 merged); 320602 was the code of the old 崇川区 until 2019.
        county=RegionSpec("320613", "崇川区"),
        towns=(
            TownSpec(
                "320613002",
                "和平桥街道",
                _villages("320613002", "濠南社区", "八仙城社区", "五一社区", "和平桥社区"),
                is_urban=True,
            ),
            TownSpec(
                "320613003", "任港街道", _villages("320613003", "任港社区", "城闸社区", "北濠社区"), is_urban=True
            ),
            TownSpec(
                "320613006", "学田街道", _villages("320613006", "学田社区", "青年社区", "紫薇社区"), is_urban=True
            ),
            TownSpec(
                "320613017", "唐闸镇街道", _villages("320613017", "唐闸社区", "大生社区", "北市社区"), is_urban=True
            ),
            TownSpec(
                "320613021", "幸福街道", _villages("320613021", "幸福社区", "新桥社区", "三里墩村"), is_urban=True
            ),
        ),
        id_codes=("320613",),
        spouse_codes=("320602", "320611"),  # the pre-2020 codes of 崇川区 and 港闸区
        standards={"urban": (_Y("950"), _Y("990")), "rural": (_Y("950"), _Y("990"))},
        basic_pension=_Y("245"),
        illnesses=(*COMMON_ILLNESSES, "帕金森病", "重症肌无力", "运动神经元病"),
        banks=("中国工商银行", "江苏南通农村商业银行", "中国邮政储蓄银行", "中国农业银行", "中国银行"),
        plate_prefix="苏F",
        phone_area_code="0513",
        away_places=(
            "江苏省苏州市虎丘区",
            "上海市浦东新区",
            "江苏省南京市鼓楼区",
            "江苏省南通市通州区",
        ),
        city_price_per_m2=15000,
        surname_boost={"陈": 1.5, "顾": 8.0, "陆": 4.0, "季": 8.0, "施": 6.0, "曹": 2.0, "范": 2.0, "钱": 2.0},
    ),
    CountySpec(
        slug="nantong-tongzhou",
        short_name="通州区",
        province=JIANGSU,
        city=RegionSpec("320600", "南通市"),
        county=RegionSpec("320612", "通州区"),
        towns=(
            TownSpec(
                "320612001",
                "金沙街道",
                _villages("320612001", "金中社区", "碧华社区", "金东社区", "金北村"),
                is_urban=True,
            ),
            TownSpec("320612110", "石港镇", _villages("320612110", "石港社区", "广济桥村", "渔湾村", "四安村")),
            TownSpec("320612114", "平潮镇", _villages("320612114", "平潮社区", "新坝村", "四营村")),
            TownSpec("320612102", "二甲镇", _villages("320612102", "二甲社区", "余西村", "路灯村")),  # 余西村 real
            TownSpec("320612120", "川姜镇", _villages("320612120", "姜灶社区", "川港村", "志浩村")),
        ),
        id_codes=("320612",),
        spouse_codes=("320683", "320623", "320681"),  # 通州市 (until 2009), 如东县, 启东市
        standards={"urban": (_Y("950"), _Y("990")), "rural": (_Y("950"), _Y("990"))},
        basic_pension=_Y("245"),
        illnesses=(*COMMON_ILLNESSES, "帕金森病", "苯丙酮尿症", "肌萎缩侧索硬化"),
        banks=("中国农业银行", "江苏南通农村商业银行", "中国邮政储蓄银行", "中国工商银行"),
        plate_prefix="苏F",
        phone_area_code="0513",
        away_places=(
            "江苏省苏州市昆山市",
            "上海市闵行区",
            "浙江省杭州市西湖区",
            "江苏省南通市崇川区",
        ),
        city_price_per_m2=9000,
        surname_boost={"顾": 6.0, "陆": 3.0, "季": 6.0, "施": 5.0, "姜": 2.0, "葛": 4.0, "冯": 2.0},
    ),
    CountySpec(
        slug="jiuhuashan",
        short_name="九华山风景区",
        province=ANHUI,
        city=RegionSpec("341700", "池州市"),
        county=RegionSpec("341799", "九华山风景区"),
        towns=(
            TownSpec("341799108", "九华镇", _villages("341799108", "九华街社区", "化城社区", "老田村", "甘泉村")),
            TownSpec("341799203", "九华乡", _villages("341799203", "五溪村", "二圣村", "柯村村")),
            TownSpec("341799102", "庙前镇", _villages("341799102", "庙前社区", "东堡村", "杨梅村")),
        ),
        id_codes=("341723",),  # 户籍 registered in 青阳县
        spouse_codes=("341702", "341722"),  # 贵池区, 石台县
        standards={"urban": (_Y("820"), _Y("850")), "rural": (_Y("680"), _Y("710"))},
        basic_pension=_Y("158"),
        illnesses=(*COMMON_ILLNESSES, "晚期血吸虫病", "重症肌无力"),
        banks=("安徽九华农村商业银行", "中国农业银行", "中国邮政储蓄银行", "徽商银行"),
        plate_prefix="皖R",
        phone_area_code="0566",
        away_places=(
            "安徽省池州市贵池区",
            "安徽省合肥市蜀山区",
            "江苏省苏州市吴中区",
            "浙江省杭州市余杭区",
        ),
        city_price_per_m2=5500,
        surname_boost={"柯": 10.0, "汪": 4.0, "方": 3.0, "章": 4.0, "程": 2.0, "查": 4.0},
        code_note=(
            "本地代码：九华山风景区没有 GB/T 2260 行政区划代码，统计用区划代码也未单列（九华镇 341723108、"
            "九华乡 341723203 列在青阳县下），341799 为本系统自定代码，不是国家代码"
        ),
    ),
    CountySpec(
        slug="maiji",
        short_name="麦积区",
        province=GANSU,
        city=RegionSpec("620500", "天水市"),
        county=RegionSpec("620503", "麦积区"),
        towns=(
            TownSpec("620503110", "麦积镇", _villages("620503110", "街亭村", "后川村", "麦积村")),  # 街亭村 real
            TownSpec("620503100", "社棠镇", _villages("620503100", "社棠社区", "何家村", "柳家河村", "沿河村")),
            TownSpec("620503101", "马跑泉镇", _villages("620503101", "马跑泉社区", "二十里铺村", "西村")),
            TownSpec("620503102", "甘泉镇", _villages("620503102", "甘泉村", "吴家河村", "峡门村")),
            TownSpec(
                "620503001", "道北街道", _villages("620503001", "渭滨社区", "龙园社区", "滨河社区"), is_urban=True
            ),
        ),
        id_codes=("620503",),
        spouse_codes=("620502", "620522", "620521"),  # 秦州区, 秦安县, 清水县
        standards={"urban": (_Y("740"), _Y("770")), "rural": (_Y("560"), _Y("585"))},
        basic_pension=_Y("163"),
        illnesses=(*COMMON_ILLNESSES, "包虫病", "尘肺病", "慢性阻塞性肺疾病（重度）"),
        banks=("甘肃省农村信用社", "中国农业银行", "中国邮政储蓄银行", "甘肃银行"),
        plate_prefix="甘E",
        phone_area_code="0938",
        away_places=(
            "甘肃省兰州市城关区",
            "陕西省西安市雁塔区",
            "广东省深圳市宝安区",
            "新疆维吾尔自治区乌鲁木齐市新市区",
        ),
        city_price_per_m2=6000,
        surname_boost={"马": 1.5, "汪": 3.0, "魏": 2.0, "苟": 10.0, "牛": 4.0, "蒲": 6.0, "雷": 2.0, "杨": 1.5},
    ),
    CountySpec(
        slug="wujin",
        short_name="武进区",
        province=JIANGSU,
        city=RegionSpec("320400", "常州市"),
        county=RegionSpec("320412", "武进区"),
        towns=(
            # huangli-2022 is the 湟里镇 integrity campaign: 湟里镇 first, so its caseworker is in the logins table.
            TownSpec("320412120", "湟里镇", _villages("320412120", "湟里社区", "东安村", "西墅村", "村前村", "花园村")),
            TownSpec("320412100", "湖塘镇", _villages("320412100", "人民社区", "马杭社区", "鸣凰村", "城西村")),
            TownSpec("320412113", "前黄镇", _villages("320412113", "前黄村", "寨桥村", "杨桥村")),  # 杨桥村 real
            TownSpec("320412103", "洛阳镇", _villages("320412103", "永安社区", "洛阳村", "岑村村", "戴溪村")),
            TownSpec(
                "320412001", "戚墅堰街道", _villages("320412001", "东方社区", "新天地社区", "东街社区"), is_urban=True
            ),
        ),
        id_codes=("320412",),
        spouse_codes=("320483", "320481", "320282"),  # 武进市 (until 2002), 溧阳市, 宜兴市
        standards={"urban": (_Y("1000"), _Y("1045")), "rural": (_Y("1000"), _Y("1045"))},
        basic_pension=_Y("290"),
        illnesses=(*COMMON_ILLNESSES, "帕金森病", "重症肌无力", "苯丙酮尿症"),
        banks=("江南农村商业银行", "中国农业银行", "中国邮政储蓄银行", "中国工商银行", "常州银行"),
        plate_prefix="苏D",
        phone_area_code="0519",
        away_places=(
            "江苏省常州市天宁区",
            "江苏省无锡市新吴区",
            "上海市浦东新区",
            "江苏省南京市玄武区",
        ),
        city_price_per_m2=14000,
        surname_boost={"周": 1.5, "蒋": 4.0, "钱": 3.0, "恽": 10.0, "史": 3.0, "许": 1.5, "徐": 1.5},
    ),
)

COUNTY_BY_SLUG: dict[str, CountySpec] = {c.slug: c for c in COUNTIES}


def standard_for(county: CountySpec, area_type: str, on: datetime.date) -> Decimal:
    """Return the demo standard in force on ``on`` (the earlier one before the first raise)."""
    first, second = county.standards[area_type]
    return second if on >= STANDARD_MONTHS[1] else first
