"""Chinese personal names for the demo: surnames with realistic frequencies, given names by generation.

Surname weights are roughly the shares per mille of the 2020 census (王 7.1 %, 李 7.0 %, 张 6.7 % …);
each county boosts its local surnames (``CountySpec.surname_boost``: 顾/季/施 in 南通, 柯 around 九华山,
苟/蒲 in 天水 …). Given names follow the fashions of each birth cohort (建国 and 秀英 for the old, 浩然
and 梓涵 for the young). 朝鲜族 names (长白) use Korean surnames and given names.
"""

from __future__ import annotations

import random

SURNAME_WEIGHTS: dict[str, float] = {
    "王": 71.5, "李": 70.0, "张": 67.0, "刘": 54.0, "陈": 45.0, "杨": 31.0, "黄": 22.5, "赵": 20.0,
    "吴": 18.5, "周": 17.5, "徐": 13.0, "孙": 12.5, "马": 11.5, "朱": 11.0, "胡": 10.0, "郭": 10.0,
    "何": 9.0, "林": 8.8, "高": 8.8, "罗": 8.3, "郑": 7.5, "梁": 7.0, "谢": 6.0, "宋": 5.8, "唐": 5.6,
    "许": 5.3, "韩": 5.2, "冯": 5.1, "邓": 5.0, "曹": 4.9, "彭": 4.8, "曾": 4.6, "肖": 4.5, "田": 4.3,
    "董": 4.2, "袁": 4.1, "潘": 4.0, "于": 3.9, "蒋": 3.8, "蔡": 3.7, "余": 3.6, "杜": 3.5, "叶": 3.4,
    "程": 3.4, "苏": 3.3, "魏": 3.3, "吕": 3.2, "丁": 3.1, "任": 3.0, "沈": 3.0, "姚": 2.9, "卢": 2.9,
    "姜": 2.8, "崔": 2.7, "钟": 2.6, "谭": 2.6, "陆": 2.5, "汪": 2.5, "范": 2.4, "金": 2.4, "石": 2.3,
    "廖": 2.3, "贾": 2.2, "夏": 2.2, "付": 2.1, "方": 2.0, "白": 2.0, "邹": 1.9, "孟": 1.9, "熊": 1.9,
    "秦": 1.8, "邱": 1.8, "江": 1.7, "尹": 1.7, "薛": 1.6, "闫": 1.6, "段": 1.6, "雷": 1.5, "侯": 1.5,
    "龙": 1.5, "史": 1.4, "陶": 1.4, "贺": 1.4, "顾": 1.3, "毛": 1.3, "郝": 1.3, "龚": 1.2, "邵": 1.2,
    "万": 1.2, "钱": 1.1, "严": 1.1, "武": 1.1, "戴": 1.0, "孔": 0.9, "汤": 0.9, "葛": 0.8, "施": 0.7,
    "章": 0.6, "季": 0.5, "牛": 0.5, "柯": 0.4, "苟": 0.3, "蒲": 0.3, "查": 0.2, "恽": 0.05, "朴": 0.05,
}  # fmt: skip

KOREAN_SURNAME_WEIGHTS: dict[str, float] = {
    "金": 22, "李": 15, "朴": 9, "崔": 5, "郑": 4, "姜": 3, "赵": 2, "张": 2, "韩": 2, "尹": 2,
    "申": 1.5, "全": 1.5, "俞": 1, "玄": 1, "许": 1, "吴": 1, "洪": 1, "黄": 1, "安": 1, "文": 1,
    "池": 0.5, "南": 0.5,
}  # fmt: skip

# (last birth year of the cohort, male names, female names)
GIVEN_NAMES: tuple[tuple[int, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        1949,
        ("德福", "长顺", "福贵", "宝山", "金山", "玉田", "有才", "永福", "文华", "树林",
         "占奎", "守仁", "春生", "德胜", "广才", "万福", "福林", "长生", "凤山", "殿臣"),
        ("秀英", "桂英", "玉兰", "淑珍", "凤兰", "秀兰", "桂兰", "玉珍", "淑英", "秀珍",
         "翠花", "凤英", "桂珍", "玉梅", "素珍", "兰英", "金凤", "玉英", "秀芝", "桂芝"),
    ),
    (
        1964,
        ("建国", "建华", "国庆", "跃进", "国华", "振华", "志明", "卫国", "建设", "德明",
         "和平", "新民", "胜利", "援朝", "光明", "抗美", "学文", "国强", "建民", "庆丰"),
        ("秀英", "桂芳", "玉兰", "秀芳", "淑华", "凤琴", "丽华", "淑兰", "玉珍", "秀云",
         "素芳", "桂琴", "凤珍", "美兰", "秀梅", "玉华", "翠英", "爱华", "淑芬", "桂香"),
    ),
    (
        1979,
        ("建军", "卫东", "红兵", "志强", "建平", "国平", "向东", "爱国", "永红", "立新",
         "卫华", "志刚", "海军", "建新", "建伟", "学军", "东升", "勇", "军", "红军"),
        ("红梅", "丽华", "秀梅", "爱华", "桂芳", "春梅", "海燕", "红霞", "玉梅", "丽萍",
         "红英", "雪梅", "红艳", "美玲", "晓红", "丽娟", "建英", "卫红", "小红", "艳华"),
    ),
    (
        1989,
        ("伟", "磊", "勇", "军", "强", "杰", "涛", "斌", "超", "鹏",
         "刚", "海涛", "海波", "志伟", "建伟", "俊", "亮", "飞", "宁", "晓东"),
        ("丽", "静", "艳", "娟", "敏", "燕", "芳", "婷", "丽娟", "晓燕",
         "海燕", "春燕", "丹", "玲", "霞", "莉", "晓丽", "秀丽", "红", "琳"),
    ),
    (
        1999,
        ("浩", "宇", "鑫", "帅", "晨", "鹏飞", "俊杰", "家豪", "博", "凯",
         "旭", "阳", "文杰", "子健", "明辉", "振宇", "泽宇", "昊", "天翔", "嘉伟"),
        ("婷婷", "雪", "倩", "佳", "欣", "丹丹", "琳", "晓雪", "梦婷", "慧",
         "颖", "璐", "佳慧", "雨婷", "晶晶", "萌萌", "思思", "蕾", "月", "瑶"),
    ),
    (
        2009,
        ("子豪", "浩然", "宇轩", "俊熙", "博文", "梓豪", "文博", "天宇", "子轩", "浩宇",
         "俊豪", "思源", "一鸣", "晨阳", "家乐", "志豪", "宇航", "宇辰", "奕辰", "皓轩"),
        ("欣怡", "雨欣", "思雨", "梓涵", "雨涵", "佳怡", "诗涵", "可馨", "紫涵", "欣然",
         "佳琪", "雨萱", "思琪", "梦瑶", "晨曦", "子涵", "心怡", "佳欣", "雅琪", "嘉怡"),
    ),
    (
        9999,
        ("梓睿", "沐阳", "一诺", "宇泽", "梓轩", "子墨", "睿", "奕辰", "浩宇", "沐宸",
         "锦程", "瑞霖", "宸睿", "梓宸", "景行", "明轩", "俊宇", "承泽", "子默", "嘉树"),
        ("一诺", "梓涵", "欣妍", "若汐", "可欣", "语桐", "子涵", "诗琪", "梓萱", "依诺",
         "沐晴", "悦彤", "安琪", "雨桐", "芷若", "思涵", "梓妍", "知夏", "语汐", "书瑶"),
    ),
)  # fmt: skip

KOREAN_GIVEN_NAMES: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("英哲", "成龙", "明浩", "哲洙", "东哲", "光日", "永哲", "昌浩", "正日", "成哲",
     "龙洙", "相哲", "光浩", "东日", "明洙", "英男", "春植", "永植", "昌洙", "哲男"),
    ("顺子", "英子", "春花", "贞淑", "美玉", "明花", "善花", "英淑", "顺姬", "贞子",
     "玉顺", "美善", "春子", "英姬", "善玉", "美兰", "贞花", "顺玉", "明淑", "惠善"),
)  # fmt: skip


class SurnamePicker:
    """Weighted surname choice for one county (national weights times local boosts)."""

    def __init__(self, boost: dict[str, float] | None = None) -> None:
        boost = boost or {}
        self.names = list(SURNAME_WEIGHTS)
        self.weights = [SURNAME_WEIGHTS[n] * boost.get(n, 1.0) for n in self.names]
        self.korean_names = list(KOREAN_SURNAME_WEIGHTS)
        self.korean_weights = list(KOREAN_SURNAME_WEIGHTS.values())

    def pick(self, rng: random.Random, *, korean: bool = False) -> str:
        if korean:
            return rng.choices(self.korean_names, self.korean_weights)[0]
        return rng.choices(self.names, self.weights)[0]


def given_name(rng: random.Random, *, birth_year: int, male: bool, korean: bool = False) -> str:
    """Return a given name fashionable for the birth year (Korean names for 朝鲜族 born before 1995)."""
    if korean and birth_year < 1995:
        return rng.choice(KOREAN_GIVEN_NAMES[0 if male else 1])
    for last_year, males, females in GIVEN_NAMES:
        if birth_year <= last_year:
            return rng.choice(males if male else females)
    raise AssertionError("unreachable: the last cohort is open-ended")
