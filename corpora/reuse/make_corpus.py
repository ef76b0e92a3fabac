"""Build the text-reuse evaluation corpus: self-reports of the fictional 青岚县 with known copying.

Every fragment below was written for speechlens. Each report is assembled from its own
sentences (three clauses drawn from topic pools and filled with its own villages and figures) and
from stock formulas many reports use; then passages are copied between reports with controlled
edits (names, figures, 镇↔街道/乡, reordered clauses, partial sentences). The gold file records
every copied passage with offsets into both files, and every stock-formula span.

Independent writing is kept honest in one way only: no two units use the same two clauses next to
each other, as two people writing alone would not (a single shared clause, or a stock formula,
is allowed and common). Deterministic: ``python corpora/reuse/make_corpus.py`` rewrites the same files.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

UNITS = """松溪镇 石桥镇 枫林乡 双塘镇 柳岸街道 鹤山镇 青湾乡 金沙镇 桂园街道 竹坪乡 荷塘镇 云峰镇 梨园乡
芦溪镇 杏坛街道 樟树镇 马坪乡 龙湾镇 凤鸣街道 沙河镇 白杨乡 茶岭镇 玉泉街道 古城镇 新桥乡 长乐镇
望湖街道 清泉镇 黄石乡 桃溪镇 红星街道 北塘镇 南坪乡 东山镇 西岭街道 丰收乡 高桥镇 永和镇 安平街道
平湖乡 银杏镇 莲花镇 翠屏街道 三江乡""".split()
TWO_YEARS = ["松溪镇", "枫林乡", "柳岸街道", "金沙镇", "竹坪乡", "杏坛街道", "龙湾镇", "沙河镇"]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
GIVEN = ["建华", "志强", "秀英", "海波", "丽娟", "国庆", "文斌", "晓东", "春燕", "立军", "红梅", "德明"]
V1 = "石竹桐杉槐柏梓榆枣栗荻蒲苇芦菱藕茭桑麻葛茅蓼芹苋"
V2 = "坝湾岗坪埠岭垄塆畈墩"

# topic -> (A, B, C) clause pools; {v}/{w} villages, {n} an integer, {f} a decimal, {T} 镇/乡/街道
POOLS = {
    "dev": (
        ["{v}村流转土地{n}亩发展稻虾共作", "投入{n}万元建成{v}冷链物流中心", "引进{v}农产品加工项目{n}个",
         "{v}村茶叶基地扩种到{n}亩", "推动{v}片区标准厂房二期开工", "盘活{v}村闲置校舍{n}处",
         "{v}村电商服务站年销售额突破{n}万元", "建成{v}高标准农田{n}亩", "围绕{v}溪沿线打造民宿集群",
         "新签约{v}光伏发电项目总投资{f}亿元", "{v}村食用菌大棚扩建至{n}座", "培育{v}竹编合作社等经营主体{n}家"],
        ["采取“企业+村集体+农户”的方式分红", "由{T}领导逐个挂点盯办", "同步配套建设了烘干房和仓储用房",
         "对接省农科院专家驻点指导", "用足了县里的产业奖补政策", "把水电路网一次性配套到位",
         "组织种植大户外出考察学习{n}批次", "实行周调度、月通报的推进机制", "带动周边农户参与种养{n}户",
         "利用直播带货拓宽了销路", "争取落实用地指标{n}亩", "引入第三方公司负责运营管理"],
        ["村集体增收{n}万元", "亩均效益提高了近一倍", "吸纳本地劳动力{n}人就业", "年产值预计达到{f}亿元",
         "当年建成当年见效", "产品远销珠三角和长三角市场", "成为全县产业融合的样板",
         "入选省级“一村一品”示范村", "实现税收{n}万元", "带动户均增收{n}元", "项目进度比计划提前两个月",
         "形成了可复制的经验做法"],
    ),
    "liv": (
        ["完成{v}村至{w}村道路拓宽{f}公里", "为{v}村新打机井{n}眼", "改造{v}小学教学楼和学生食堂",
         "在{v}村建成互助幸福院", "对{v}片区{n}户危房实施改造", "{v}村卫生室完成标准化提升",
         "在{v}社区开设老年大学分校", "完成{v}河段清淤整治{f}公里", "为{v}村安装太阳能路灯{n}盏",
         "新建{v}村级垃圾中转站{n}座", "完成{v}集镇自来水管网改造", "在{v}村开办“四点半课堂”"],
        ["由村民理事会全程监督施工", "资金由县级补助和乡贤捐资共同筹集", "同步解决了沿线群众的排水问题",
         "聘请退休教师担任志愿辅导员", "实行专人管护、按月考核", "优先安排脱贫户参与务工",
         "邀请群众代表参与验收", "把监控探头接入综治中心", "与县医院建立远程会诊通道", "采取以奖代补的方式推进"],
        ["受益群众{n}余人", "群众出行时间缩短了一半", "周边{n}户居民告别了喝水难", "留守儿童放学后有了去处",
         "常住老人就餐实现全覆盖", "村容村貌焕然一新", "群众满意率达到{n}%", "困扰村民多年的积水问题得到解决",
         "每月开展健康义诊{n}次", "夜间出行安全隐患基本消除"],
    ),
    "saf": (
        ["对{v}工业集中区{n}家企业逐户开展消防检查", "在{v}水库加装水位监测设施", "集中排查{v}片区自建房{n}栋",
         "对{v}村地质灾害隐患点实行雨前排查", "化解{v}村山林权属纠纷{n}起", "在{v}路口增设减速带和警示牌",
         "整治{v}集镇“九小场所”{n}家", "清理{v}沿河违规野外用火{n}起", "为{v}村瓶装液化气用户全部更换安全阀",
         "排查{v}片区出租屋{n}间"],
        ["落实“一点一策”的监测责任", "组织应急分队开展夜间演练", "由派出所、司法所联合上门调解",
         "发现问题当场下达整改通知", "建立了网格员每日巡查台账", "聘请专业机构逐栋出具鉴定报告",
         "对拒不整改的依法予以查封", "把调解协议送达到每一户当事人"],
        ["整改隐患{n}处", "汛期转移群众{n}人无一伤亡", "纠纷当事人全部签订调解协议", "辖区交通事故起数同比下降{n}%",
         "关停无证经营户{n}家", "安全形势持续平稳", "一批历史遗留问题得到化解", "群众安全感测评位居全县前列"],
    ),
    "party": (
        ["在{v}村试行党员积分管理", "选派{n}名年轻干部到{v}村驻村", "整顿{v}村软弱涣散党组织",
         "在{v}社区建立“红色物业”联盟", "组织{n}名村党组织书记到外县学习", "在{v}村推行“四议两公开”全程纪实",
         "对{v}村集体“三资”开展专项清理", "建成{v}党群服务中心", "在{v}村设立党员先锋岗{n}个", "对{v}村后备干部开展跟班培养", "把{v}村闲置仓库改建为党员活动室", "在{v}片区组建产业党小组{n}个"],
        ["每月开展一次固定主题党日", "把党员联系户情况纳入年度考评", "由{T}纪委全程跟踪督办",
         "配套出台了村干部报酬激励办法", "邀请老党员讲述村史村情", "实行问题、责任、整改三张清单管理", "坚持“三会一课”制度不走样", "实行村干部坐班值班制度", "每半年开展一次党员民主评议", "建立村级小微权力清单"],
        ["发展年轻党员{n}名", "清理不规范合同{n}份", "村“两委”战斗力明显增强", "党员先锋作用更加凸显",
         "为村集体追回资金{n}万元", "群众对村务公开的满意度明显提升", "村级议事规范化水平明显提高", "一批后备力量脱颖而出", "党组织凝聚力进一步增强", "涉及村干部的信访举报同比下降{n}%"],
    ),
    "prob": (
        ["{v}片区产业项目规模偏小", "部分村级道路年久失修", "{v}村集体经济收入来源单一", "集镇污水管网覆盖不到位",
         "{v}工业集中区安全监管力量薄弱", "少数村干部年龄偏大", "招商引资缺少大项目支撑", "{v}村留守老人照料服务跟不上", "{v}村文化活动场所利用率不高", "农村人居环境整治成效不够稳固", "{v}片区防汛设施标准偏低", "基层网格员队伍流动性大"],
        ["亩均产出仅为全县平均水平的{n}%", "雨季通行仍有隐患", "主要依靠{n}处门面出租", "仍有{n}户生活污水直排",
         "专职安监员只有{n}名", "懂电商、会经营的人才缺乏", "签约项目落地率不高", "日间照料中心使用率偏低", "部分设施建成后无人管护", "{n}座山塘存在渗漏", "一些网格员身兼数职", "村级债务还有{n}万元未化解"],
        ["全{T}上下对此还认识不足", "群众对此反映较多", "与先进乡镇相比差距明显", "有的问题已经拖了两年以上"],
    ),
    "plan": (
        ["重点推进{v}片区产业提档升级", "加快{v}村至集镇道路改造", "谋划建设{v}农旅融合示范带", "启动{v}污水处理站二期",
         "探索{v}村集体经济“抱团”发展", "实施年轻干部“墩苗”计划", "推进{v}集镇风貌整治", "完善{v}村应急避险场所", "办好{v}幼儿园扩班"],
        ["力争年内完成投资{n}万元", "确保汛期前全部完工", "让群众得到更多实惠", "推动形成可持续的增收机制",
         "把短板加快补齐", "每季度向{T}党委专题汇报一次", "年内新增停车位{n}个", "同步建立长效管护机制", "做到资金、人员、措施三到位"],
        ["以实际成效接受组织和群众检验", "努力交出一份满意答卷", "不辜负县委的信任和群众的期待",
         "切实把蓝图变为现实", "为全县发展多作贡献", "让党和人民放心", "以更大的担当推动工作落地见效", "确保各项任务按期完成"],
    ),
}

# stock formulas: every report uses several, so each appears in many units
STOCK = {
    "open": ["在县委、县政府的坚强领导下，坚持以习近平新时代中国特色社会主义思想为指导",
             "坚决做到“两个维护”，团结带领班子成员真抓实干",
             "始终把人民群众的小事当作自己的大事"],
    "dev": ["牢固树立“项目为王”的理念，坚持一切围绕项目转"],
    "liv": ["坚持尽力而为、量力而行，兜牢民生底线"],
    "saf": ["坚持“党政同责、一岗双责、齐抓共管、失职追责”", "全年未发生较大及以上安全生产事故"],
    "party": ["严格落实全面从严治党主体责任", "上面千条线，下面一根针"],
    "prob": ["理论学习不够深入系统，以干代学的现象仍然存在"],
    "close": ["以上报告，请予评议。"],
}
HEADINGS = {"dev": "一、发展经济", "liv": "二、保障民生", "saf": "三、守牢安全底线", "party": "四、抓好党的建设",
            "prob": "五、存在的问题", "plan": "六、下一步打算"}
ORDINALS = "一二三四"


@dataclass
class Sent:
    """One of a report's own sentences: its clauses (filled) and where it came from."""

    topic: str
    clauses: list[str]
    templates: list[str] = field(default_factory=list)   # the pool clause each clause was filled from
    copy: dict | None = None          # set on a copied sentence: event id, source sentence, parts
    spans: list[tuple[int, int]] = field(default_factory=list)   # clause offsets once rendered


@dataclass
class Report:
    unit: str
    year: int
    person: str
    villages: list[str]
    body: dict[str, list[Sent]]
    stock: dict[str, list[str]]
    text: str = ""
    stock_spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.year}-{self.unit}-述职报告"

    @property
    def kind(self) -> str:
        return "街道" if self.unit.endswith("街道") else self.unit[-1]


def fill(template: str, rep: Report, rnd: random.Random) -> str:
    v, w = rnd.sample(rep.villages, 2)
    return (template.replace("{v}", v).replace("{w}", w).replace("{T}", rep.kind)
            .replace("{n}", str(rnd.randint(3, 260))).replace("{f}", f"{rnd.randint(1, 19)}.{rnd.randint(1, 9)}"))


def own_sentence(topic: str, rep: Report, rnd: random.Random, used: dict) -> Sent:
    """Three clauses no other unit has used next to each other."""
    pa, pb, pc = POOLS[topic]
    short = topic == "prob"   # an admitted problem is two clauses: what, and how it shows
    def pick(slot: str, pool: list[str], slack: int) -> int:   # least used first: every clause ends up common
        counts = [len(used.get((topic, slot, x), ())) for x in range(len(pool))]
        low = min(counts)
        return rnd.choice([x for x, c in enumerate(counts) if c <= low + slack])

    for attempt in range(4000):
        slack = 1 + attempt // 500
        a, b, c = pick("a", pa, slack), pick("b", pb, slack), pick("c", pc, slack)
        # any two of a sentence's clauses may end up side by side (a copier may reorder them)
        tpl = [pa[a], pb[b]] + ([] if short else [pc[c]])
        keys = [frozenset((x, y)) for i, x in enumerate(tpl) for y in tpl[i + 1:]]
        mine = [(rep.unit, topic, slot, x) for slot, x in zip("abc", (a, b, c))]
        if all(used.get(k, rep.unit) == rep.unit for k in keys) and not any(m in used for m in mine):
            for k in keys + mine:   # and no clause twice in one report
                used[k] = rep.unit
            for slot, x in zip("abc", (a, b, c)):
                used.setdefault((topic, slot, x), set()).add(rep.unit)
            return Sent(topic, [fill(t, rep, rnd) for t in tpl], tpl)
    raise RuntimeError("pools too small for the adjacency rule")


def make_report(unit: str, year: int, rnd: random.Random, used: dict, villages: list[str]) -> Report:
    person = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
    rep = Report(unit, year, person, villages, {}, {})
    counts = {"dev": 2, "liv": 1, "saf": 1, "party": 1, "prob": 2, "plan": 1}
    for topic, k in counts.items():
        rep.body[topic] = [own_sentence(topic, rep, rnd, used) for _ in range(k)]
    rep.stock["open"] = rnd.sample(STOCK["open"], 2)
    for topic in ("dev", "liv", "saf", "party", "prob"):
        pool = STOCK[topic]
        rep.stock[topic] = [s for s in pool if rnd.random() < 0.6]
    return rep


def render(rep: Report) -> None:
    """Write the report's text and record every sentence's clause offsets and the stock spans."""
    out: list[str] = []
    pos = 0
    rep.stock_spans = []

    def put(s: str, stock: bool = False) -> tuple[int, int]:
        nonlocal pos
        start = pos
        out.append(s)
        pos += len(s)
        if stock:
            rep.stock_spans.append((start, pos))
        return start, pos

    role = "党工委书记" if rep.kind == "街道" else "党委书记"
    put(f"{rep.unit}{role} {rep.person} {rep.year}年度述职报告\n\n")
    put(f"{rep.year}年，我")
    put(rep.stock["open"][0], True)
    put("，")
    put(rep.stock["open"][1], True)
    put(f"，和全{rep.kind}干部群众一道完成了全年主要目标任务。现将履职情况报告如下。\n\n")
    for topic in ("dev", "liv", "saf", "party", "prob", "plan"):
        put(HEADINGS[topic] + "\n")
        if topic == "plan":
            put("下一步，")
        for s in rep.stock.get(topic, []) if topic not in ("prob",) else []:
            put(s, True)
            put("。")
        for k, sent in enumerate(rep.body[topic]):
            if topic == "prob":
                put(f"{ORDINALS[k]}是")
            sent.spans = []
            for j, c in enumerate(sent.clauses):
                sent.spans.append(put(c))
                put("，" if j < len(sent.clauses) - 1 else "。")
        if topic == "prob" and rep.stock.get("prob"):
            put(f"{ORDINALS[len(rep.body[topic])]}是")
            put(rep.stock["prob"][0], True)
            put("。")
        put("\n\n")
    put(STOCK["close"][0], True)
    put("\n")
    rep.text = "".join(out)


# -- copying with controlled edits -----------------------------------------------------------------

def edited_copy(src: Sent, src_rep: Report, dst: Report, edits: list[str], rnd: random.Random) -> tuple[list[str], list[int]]:
    """The copied clauses after ``edits``, and which source clauses they come from."""
    import re

    idx = list(range(len(src.clauses)))
    if "partial" in edits:
        assert len(idx) == 3, "partial copies need a three-clause sentence"
        idx = rnd.choice([[0, 1], [1, 2]])
    if "reorder" in edits:
        idx = idx[::-1] if len(idx) == 2 else [idx[0], idx[2], idx[1]]
    clauses = [src.clauses[i] for i in idx]
    if "names" in edits:
        swap = dict(zip(src_rep.villages, dst.villages))
        clauses = [re.sub("|".join(src_rep.villages), lambda m: swap[m.group(0)], c) for c in clauses]
    if "figures" in edits:
        clauses = [re.sub(r"\d+", lambda m: str(rnd.randint(3, 260)), c) for c in clauses]
    if "unit_type" in edits:
        pat = rf"(?<=[由全我本]){src_rep.kind}|{src_rep.kind}(?=党委|纪委|领导|上下)"
        clauses = [re.sub(pat, dst.kind, c) for c in clauses]
    return clauses, idx


def build(seed: int = 17) -> tuple[list[Report], list[dict]]:
    rnd = random.Random(seed)
    used: dict = {}
    pairs = [(a + b) for a in V1 for b in V2]
    rnd.shuffle(pairs)
    vill = {u: pairs[4 * k:4 * k + 4] for k, u in enumerate(UNITS)}
    reports: dict[str, Report] = {}
    for u in UNITS:
        for y in ((2022, 2023) if u in TWO_YEARS else (2023,)):
            reports[f"{y}-{u}"] = make_report(u, y, rnd, used, vill[u])
    events: list[dict] = []

    def copy(src_key: str, dst_key: str, topic: str, edits: list[str], k_src: int = 0, k_dst: int = 0,
             src_sent: Sent | None = None) -> None:
        src, dst = reports[src_key], reports[dst_key]
        s = src_sent or src.body[topic][k_src]
        clauses, idx = edited_copy(s, src, dst, edits, rnd)
        tpl = [s.templates[i] for i in idx]
        copied = list(range(len(clauses)))
        if "partial" in edits:   # the copier finishes the sentence in their own words
            slot = 2 if max(idx) == 1 else 0
            free = [t for t in POOLS[topic][slot]
                    if all(used.get(frozenset((t, x)), dst.unit) in (dst.unit, src.unit) for x in tpl)]
            own = rnd.choice(free)
            for x in tpl:
                used.setdefault(frozenset((own, x)), dst.unit)
            if slot == 2:
                tpl.append(own)
                clauses = clauses + [fill(own, dst, rnd)]
            else:
                tpl.insert(0, own)
                clauses = [fill(own, dst, rnd)] + clauses
                copied = [1, 2]
        new = Sent(topic, clauses, tpl, copy={"event": len(events), "src": (src_key, s), "src_idx": idx,
                                          "dst_idx": copied})
        dst.body[topic][k_dst] = new
        events.append({"event": len(events), "src": src_key, "dst": dst_key, "topic": topic, "edits": edits,
                       "sent": new})

    units23 = [u for u in UNITS if u not in TWO_YEARS]
    # (a) a unit copies from its own report of last year
    own_edits = [["figures"], ["figures", "reorder"], ["figures", "partial"], ["figures"], ["figures", "reorder"],
                 ["figures"], ["figures", "partial"], ["figures"]]
    for u, e in zip(TWO_YEARS, own_edits):
        copy(f"2022-{u}", f"2023-{u}", "dev", e)
        copy(f"2022-{u}", f"2023-{u}", "prob", [x for x in e if x != "partial"], k_src=1, k_dst=1)
    # (b) a 2023 report copies from another unit's 2022 report
    kinds = [["names", "figures"], ["names", "figures", "unit_type"], ["figures", "reorder"], ["names", "partial"],
             ["names", "figures", "reorder"], ["figures", "unit_type"], ["names", "figures", "partial"], ["names"]]
    topics = ["liv", "saf", "party", "dev", "liv", "prob", "dev", "plan"]
    for k, (u, e, t) in enumerate(zip(TWO_YEARS, kinds, topics)):   # not a sentence (a) copied already
        copy(f"2022-{u}", f"2023-{units23[k]}", t, e, k_src=1 if t == "dev" else 0)
    # (c) two 2023 reports of different units (no direction)
    for k in range(8, 18):
        e = kinds[k % len(kinds)]
        t = ["dev", "liv", "saf", "party", "plan"][k % 5]
        copy(f"2023-{units23[k]}", f"2023-{units23[k + 10]}", t, e, k_dst=0)
    # (d) one passage passed from one unit to two others (three units share it)
    src = reports[f"2023-{units23[30]}"]
    copy(f"2023-{units23[30]}", f"2023-{units23[31]}", "dev", ["names", "figures"], k_src=1, k_dst=1)
    copy(f"2023-{units23[30]}", f"2023-{units23[32]}", "dev", ["figures", "unit_type"], k_src=1, k_dst=1,
         src_sent=src.body["dev"][1])
    for r in reports.values():
        render(r)
    return list(reports.values()), events


def gold_records(reports: list[Report], events: list[dict]) -> list[dict]:
    """One line per document pair sharing copied text (spans in both files), then stock spans."""
    by_key = {f"{r.year}-{r.unit}": r for r in reports}
    # every copied clause traces back to a source clause: (doc key, sentence, clause index)
    holders: dict[int, list[tuple[str, tuple[int, int]]]] = {}
    origin_id: dict[tuple[int, int], int] = {}

    def origin(sent: Sent, i: int) -> tuple[int, int]:
        return (id(sent), i)

    for ev in events:
        s = ev["sent"]
        if not s.spans:
            continue
        src_key, src_sent = s.copy["src"]
        for dst_i, src_i in zip(s.copy["dst_idx"], s.copy["src_idx"]):
            o = origin(src_sent, src_i)
            if src_sent.copy and src_i in src_sent.copy["dst_idx"]:   # copied from a copy
                pass
            gid = origin_id.setdefault(o, len(origin_id))
            holders.setdefault(gid, [])
            if (src_key, src_sent.spans[src_i]) not in holders[gid]:
                holders[gid].append((src_key, src_sent.spans[src_i]))
            holders[gid].append((ev["dst"], s.spans[dst_i]))
    pairs: dict[tuple[str, str], dict] = {}
    for gid, hs in holders.items():
        for x in range(len(hs)):
            for y in range(x + 1, len(hs)):
                (ka, sa), (kb, sb) = sorted([hs[x], hs[y]])
                if ka == kb:
                    continue
                rec = pairs.setdefault((ka, kb), {"a": by_key[ka].id, "b": by_key[kb].id, "a_spans": [], "b_spans": []})
                rec["a_spans"].append(list(sa))
                rec["b_spans"].append(list(sb))
    def letters(key: str, spans: list) -> int:
        t = by_key[key].text
        return sum(ch.isalpha() for s, e in spans for ch in t[s:e])

    # a pair sharing a single short clause (a passage passed on in two different parts) shares no passage
    pairs = {k: v for k, v in pairs.items() if min(letters(k[0], v["a_spans"]), letters(k[1], v["b_spans"])) >= 15}
    edits_of = {}
    for ev in events:
        edits_of.setdefault(tuple(sorted([ev["src"], ev["dst"]])), set()).update(ev["edits"])
    out = []
    for (ka, kb), rec in sorted(pairs.items()):
        ra, rb = by_key[ka], by_key[kb]
        src = None if ra.year == rb.year else (ra.id if ra.year < rb.year else rb.id)
        rec.update({"type": "pair", "source": src, "edits": sorted(edits_of.get((ka, kb), {"passed on"})),
                    "a_spans": sorted(rec["a_spans"]), "b_spans": sorted(rec["b_spans"])})
        out.append(rec)
    # stock: the formulas, and any pool clause four or more units use (names and figures aside)
    users: dict[str, set[str]] = {}
    for r in reports:
        for sents in r.body.values():
            for s in sents:
                for t in s.templates:
                    users.setdefault(t, set()).add(r.unit)
    common = {t for t, us in users.items() if len(us) >= 4}
    for r in reports:
        spans = list(r.stock_spans)
        for sents in r.body.values():
            for s in sents:
                spans += [sp for t, sp in zip(s.templates, s.spans) if t in common]
        out.append({"type": "stock", "id": r.id, "spans": sorted(list(x) for x in spans)})
    return out


def violations(reports: list[Report], gold: list[dict]) -> list[str]:
    """Ways two reports the gold calls independent would share more than stock phrasing."""
    linked = {frozenset((g["a"], g["b"])) for g in gold if g["type"] == "pair"}
    adj: dict[frozenset, set[str]] = {}
    tpl_users: dict[str, set[str]] = {}
    for r in reports:
        for sents in r.body.values():
            for s in sents:
                for t in s.templates:
                    tpl_users.setdefault(t, set()).add(r.unit)
                for t1, t2 in zip(s.templates, s.templates[1:]):
                    adj.setdefault(frozenset((t1, t2)), set()).add(r.id)
    out = []
    for key, ids in adj.items():
        for x in ids:
            for y in ids:
                if x < y and x.split("-")[1] != y.split("-")[1] and frozenset((x, y)) not in linked:
                    out.append(f"{x} and {y} both put {sorted(key)} side by side")
    # a clause long enough to be a passage on its own is either one unit's or common (stock)
    out += [f"{t!r} is used by only {len(us)} units" for t, us in tpl_users.items()
            if 1 < len(us) < 4 and len(re.sub(r"\{\w\}|[，、“”+]", "", t)) >= 13]
    return out


def main() -> None:
    for seed in range(17, 1000):   # the first seed whose corpus keeps independent reports independent
        reports, events = build(seed)
        gold = gold_records(reports, events)
        bad = violations(reports, gold)
        if not bad:
            break
        print(f"seed {seed}: {len(bad)} violations, e.g. {bad[0]}")
    else:
        raise SystemExit("no seed gives a clean corpus")
    for old in HERE.glob("*.txt"):
        old.unlink()
    for r in reports:
        assert 400 <= len(r.text) <= 900, (r.id, len(r.text))
        (HERE / f"{r.id}.txt").write_text(r.text, encoding="utf-8")
    by_id = {r.id: r.text for r in reports}
    for g in gold:   # every gold span is real text of its file
        if g["type"] == "pair":
            for side in ("a", "b"):
                for s, e in g[f"{side}_spans"]:
                    assert 0 <= s < e <= len(by_id[g[side]])
    with open(HERE / "gold.jsonl", "w", encoding="utf-8") as f:
        for g in gold:
            f.write(json.dumps(g, ensure_ascii=False) + "\n")
    n_pairs = sum(g["type"] == "pair" for g in gold)
    print(f"seed {seed}: wrote {len(reports)} reports and {n_pairs} gold pairs to {HERE}")


if __name__ == "__main__":
    main()
