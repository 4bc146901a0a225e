"""A generated corpus in govsite's content format, for the benchmark and the large-site tests.

Realistic Chinese comes from real documents: sentences of the two corpora in
tests/fixtures/corpora and of the sample site, recombined with a fixed seed, under titles,
organs, 文号 and categories of a fictional county. Same arguments, same files."""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES = [REPO / "tests/fixtures/corpora/real-govcn", REPO / "tests/fixtures/corpora/real-pingtan", REPO / "content"]

ORGANS = [
    ("青山县人民政府", "青政发"), ("青山县人民政府办公室", "青政办发"), ("青山县发展和改革局", "青发改"),
    ("青山县财政局", "青财"), ("青山县教育局", "青教"), ("青山县卫生健康局", "青卫健"), ("青山县审计局", "青审"),
    ("青山县自然资源和规划局", "青自然资规"), ("青山县住房和城乡建设局", "青建"), ("青山县农业农村局", "青农"),
    ("青山县市场监督管理局", "青市监"), ("青山县人力资源和社会保障局", "青人社"), ("青山县统计局", "青统"),
    ("青山县民政局", "青民"), ("青山县交通运输局", "青交"), ("青山县应急管理局", "青应急"), ("青山县水利局", "青水"),
    ("青山县文化和广电旅游体育局", "青文旅"), ("青山县医疗保障局", "青医保"), ("青山县公安局", "青公"),
    ("青山镇人民政府", "青山镇政"), ("云溪乡人民政府", "云溪乡政"), ("白石镇人民政府", "白石镇政"),
]
CATEGORIES = {
    "政策文件": ["县政府文件", "县政府办公室文件", "部门文件", "行政规范性文件"],
    "政策解读": [],
    "法定主动公开内容": ["机构职能", "规划信息", "财政预决算", "统计信息", "政府采购", "行政执法"],
    "重点领域信息公开": ["教育", "医疗卫生", "生态环境", "社会救助", "安全生产", "乡村振兴"],
    "公示公告": [],
}
TOPICS = [
    "城乡居民医疗救助", "政府采购项目中标结果", "安全生产专项整治", "义务教育阶段学生资助", "高标准农田建设",
    "城镇老旧小区改造", "乡村振兴重点项目", "财政预算执行情况", "稳岗就业补贴", "生态环境保护督察整改",
    "行政执法公示", "食品安全抽检结果", "最低生活保障标准", "重点建设项目计划", "防汛抗旱应急预案",
    "营商环境优化提升", "数字政府建设", "农村人居环境整治", "公共文化服务体系", "道路交通安全管理",
    "耕地保护和粮食安全", "住房公积金缴存", "企业技术改造补助", "中小学校舍安全", "基层医疗卫生服务",
]
KINDS = ["关于印发{t}实施办法的通知", "关于做好{t}工作的通知", "关于{t}的实施意见", "关于公布{t}的公告",
         "{t}情况的公示", "关于进一步加强{t}的通知", "{t}管理暂行办法", "关于{t}有关事项的通知"]


def sentence_pool() -> list[str]:
    """Sentences (ending in 。！？；) from every real document body we ship."""
    pool: list[str] = []
    for folder in SOURCES:
        for path in sorted(folder.rglob("*.md")):
            if path.name == "README.md":
                continue
            text = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
            for sentence in re.findall(r"[^。！？；\n]{8,160}[。！？；]", text):
                if not any(mark in sentence for mark in "<|[]()*#`"):
                    pool.append(sentence.strip())
    return sorted(set(pool))


def site_yaml() -> str:
    lines = [
        'title: "青山县人民政府信息公开（基准测试语料）"',
        'base_url: "https://xxgk.qingshan.example.gov.cn/"',
        'language: "zh-CN"',
        'org_code: "11330999MB0000000A"',
        'sponsor: "青山县人民政府办公室"',
        'site_id_code: "3309990001"',
        'icp: "浙ICP备00000000号"',
        'police_record: "浙公网安备33099902000001号"',
        "office:",
        '  name: "青山县人民政府办公室政务公开科"',
        '  address: "青山县青山镇府前路1号"',
        '  postcode: "319900"',
        '  hours: "工作日 8:30—17:30"',
        '  phone: "0571-00000000"',
        '  fax: "0571-00000001"',
        '  email: "xxgk@qingshan.example.gov.cn"',
        "issuers:",
        *[f'  - "{organ}"' for organ, _ in ORGANS],
        "categories:",
    ]
    for index, (name, children) in enumerate(CATEGORIES.items()):
        lines += [f'  - name: "{name}"', f'    slug: "c{index}"']
        if children:
            lines.append("    children:")
            for child_index, child in enumerate(children):
                lines += [f'      - name: "{child}"', f'        slug: "c{index}-{child_index}"']
    return "\n".join(lines) + "\n"


def generate(out: Path, count: int, seed: int = 20261124) -> Path:
    """Write `count` documents and site.yaml into `out` (a content folder); returns it."""
    rng = random.Random(seed)
    pool = sentence_pool()
    leaves = [f"{root}/{child}" for root, children in CATEGORIES.items() for child in children] + [
        root for root, children in CATEGORIES.items() if not children
    ]
    out.mkdir(parents=True, exist_ok=True)
    (out / "site.yaml").write_text(site_yaml(), encoding="utf-8")
    numbers: dict[tuple[str, int], int] = {}
    for i in range(count):
        organ, prefix = rng.choice(ORGANS)
        year = rng.randint(2012, 2026)
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        category = rng.choice(leaves)
        topic = rng.choice(TOPICS)
        title = organ + rng.choice(KINDS).format(t=topic)
        numbers[(prefix, year)] = numbers.get((prefix, year), 0) + 1
        doc_number = f"{prefix}〔{year}〕{numbers[(prefix, year)]}号"
        paragraphs = []
        for _ in range(rng.randint(4, 14)):
            paragraphs.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 4))))
        front = [
            "---",
            f'title: "{title}"',
            f'category: "{category}"',
            f'issuer: "{organ}"',
            f'date: "{date}"',
            f'doc_number: "{doc_number}"',
            f'index_number: "11330999MB0000000A/{year}-{i:06d}"',
            f'keywords: ["{topic}"]',
        ]
        if rng.random() < 0.15:
            front.append(f'expiry: "{year + rng.randint(1, 5)}-12-31"')
        front.append("---")
        body = f"各有关单位：\n\n" + "\n\n".join(paragraphs) + f"\n\n{organ}\n\n{date}\n"
        path = out / f"d{i % 100:02d}" / f"doc-{i:06d}.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(front) + "\n\n" + body, encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, help="the content folder to write")
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()
    generate(args.out, args.documents, args.seed)
    print(f"{args.documents} documents → {args.out}")


if __name__ == "__main__":
    main()
