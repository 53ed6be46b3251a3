"""Security-group loaders: AWS CLI JSON, Terraform, CloudFormation; one rule per source, with lines."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.loaders.secgroups.load import load_secgroups, sniff_secgroup_format
from auditor.loaders.secgroups.cfn import rules_from_cfn
from auditor.loaders.secgroups.aws_json import rules_from_aws_json
from auditor.loaders.secgroups.terraform import rules_from_terraform
from auditor.model import LoadProblem, SecurityGroupRule
from auditor.reader import Limits, Reader

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "secgroups"


def load(rel: str):
    return load_secgroups(Reader(FIXTURES), rel)


def rows(rules):
    """(line, direction, group_id, group_name, protocol, from, to, kind, source, description)."""
    return [
        (r.loc.line, r.direction, r.group_id, r.group_name, r.protocol, r.from_port, r.to_port, r.source_kind, r.source, r.description)
        for r in rules
    ]


def problems_at(problems):
    return [(p.rule, p.loc.line, p.message) for p in problems]


# ---------------------------------------------------------------- aws ec2 describe-*

WEB, DB = "sg-0web000000000000001", "sg-0db0000000000000001"


def test_describe_security_groups_one_rule_per_source():
    rules, problems = load("aws_groups/describe-security-groups.json")
    assert problems == []
    assert rows(rules) == [
        (11, "ingress", WEB, "web", "tcp", 443, 443, "cidr4", "0.0.0.0/0", "HTTPS from anywhere"),
        (15, "ingress", WEB, "web", "tcp", 443, 443, "cidr4", "10.20.0.0/16", ""),  # host bits cleared
        (20, "ingress", WEB, "web", "tcp", 443, 443, "cidr6", "::/0", "HTTPS over IPv6"),
        (42, "ingress", WEB, "web", "tcp", 22, 22, "group", "sg-0bastion0000000001", "bastion"),  # "6" is tcp
        (35, "ingress", WEB, "web", "tcp", 22, 22, "prefix-list", "pl-0a1b2c3d", "corporate VPN"),
        (55, "ingress", WEB, "web", "all", None, None, "group", WEB, ""),  # "-1": every protocol and port
        (65, "ingress", WEB, "web", "icmp", None, None, "cidr4", "192.168.0.0/24", ""),  # -1: every type
        (78, "egress", WEB, "web", "all", None, None, "cidr4", "0.0.0.0/0", ""),
        (83, "egress", WEB, "web", "all", None, None, "cidr6", "::/0", ""),
        (105, "ingress", DB, "db", "tcp", 5432, 5432, "group", WEB, ""),
        (113, "ingress", DB, "db", "udp", 53, 53, "cidr4", "10.0.0.2/32", ""),
        (113, "ingress", DB, "db", "udp", 53, 53, "cidr4", "10.0.0.3/32", ""),
    ]
    # two entries on one line: each rule points at its own `{`
    assert [r.loc.column for r in rules[-2:]] == [34, 61]
    assert all(r.loc.path == "aws_groups/describe-security-groups.json" for r in rules)
    assert rules[5].all_ports and rules[0].world and not rules[1].world


def test_describe_security_group_rules():
    rules, problems = load("aws_rules/describe-security-group-rules.json")
    assert problems == []
    assert rows(rules) == [
        (3, "ingress", WEB, "", "tcp", 80, 80, "cidr4", "0.0.0.0/0", "HTTP"),
        (15, "ingress", WEB, "", "tcp", 80, 80, "cidr6", "2001:db8::/64", ""),
        (26, "ingress", DB, "", "tcp", 5432, 5432, "group", WEB, ""),
        (40, "egress", WEB, "", "all", None, None, "cidr4", "0.0.0.0/0", ""),
        (51, "ingress", WEB, "", "tcp", 22, 22, "prefix-list", "pl-0a1b2c3d", "VPN"),
    ]


def test_truncated_json_is_aud001_with_position():
    rules, problems = load("aws_truncated/describe-security-groups.json")
    assert rules == []
    assert [(p.rule, p.loc.line, p.loc.column) for p in problems] == [("AUD001", 22, 24)]
    assert "invalid JSON" in problems[0].message


def test_wrong_shapes_are_reported_where_they_are_and_the_rest_loads():
    rules, problems = load("aws_wrong_shapes/describe-security-groups.json")
    assert rows(rules) == [(15, "ingress", "sg-0mixed00000000001", "mixed", "tcp", 8080, 8080, "cidr4", "172.16.0.0/12", "")]
    assert [(p.rule, p.loc.line, p.loc.column, p.message) for p in problems] == [
        ("AUD001", 3, 9, "SecurityGroups[0] should be a security group object, not a string"),
        ("AUD001", 8, 17, "IpPermissions[0] should be a permission object, not a string"),
        ("AUD001", 14, 25, "invalid CIDR '10.0.0.0/33'"),
        ("AUD001", 16, 25, "IpRanges[2] should be an IP range object, not a number"),
        ("AUD001", 21, 33, "FromPort 'eighty' is not a port number"),
        ("AUD001", 29, 33, "IpRanges should be a list, not an object"),
        ("AUD001", 32, 36, "IpPermissionsEgress should be a list, not a string"),
    ]


def test_security_groups_not_a_list():
    text = '{\n  "SecurityGroups": {"GroupId": "sg-1"},\n  "SecurityGroupRules": [\n    {"GroupId": "sg-2", "IsEgress": false, "IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "CidrIpv4": "10.0.0.1/8"}\n  ]\n}\n'
    rules, problems = rules_from_aws_json(text, "x.json")
    assert problems_at(problems) == [("AUD001", 2, "SecurityGroups should be a list, not an object")]
    assert rows(rules) == [(4, "ingress", "sg-2", "", "tcp", 1, 1, "cidr4", "10.0.0.0/8", "")]


def test_top_level_list_from_a_query_and_not_an_object():
    text = '[\n {"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]},\n 7\n]'
    rules, problems = rules_from_aws_json(text, "x.json")
    assert [(r.loc.line, r.source) for r in rules] == [(2, "10.0.0.0/8")]
    assert problems_at(problems) == [("AUD001", 3, "SecurityGroups[1] should be a security group object, not a number")]
    assert problems_at(rules_from_aws_json('"just a string"', "x.json")[1])[0][0] == "AUD001"


def test_json_nesting_over_the_limit_is_not_read_not_a_crash():
    deep = '{"SecurityGroups": ' + "[" * 20_000 + "]" * 20_000 + "}"
    rules, problems = rules_from_aws_json(deep, "deep.json")
    assert problems_at(problems) == [("AUD002", 1, "nested deeper than 200 levels; not read")]
    # the `{` is level 1, the `[`s start at column 20: the 200th of them is level 201
    assert problems[0].loc.column == 219 and rules == []
    # past the limit of the C parser itself (a RecursionError inside json)
    rules, problems = rules_from_aws_json("[" * 20_000 + "]" * 20_000, "deep.json", Limits(max_depth=100_000))
    assert rules == [] and problems[0].rule == "AUD002"


# ---------------------------------------------------------------- terraform

TF_WEB = "aws_security_group.web"
TF_DB = "aws_security_group.db"
SSH_DESC = 'SSH from the office and the bastion; see "runbook" {section 2}'


def test_terraform_all_three_resource_styles():
    rules, problems = load("terraform/main.tf")
    assert problems == []
    assert rows(rules) == [
        (20, "ingress", TF_WEB, "web", "tcp", 443, 443, "cidr4", "0.0.0.0/0", "HTTPS from anywhere"),
        (20, "ingress", TF_WEB, "web", "tcp", 443, 443, "cidr4", "10.1.0.0/16", "HTTPS from anywhere"),
        (20, "ingress", TF_WEB, "web", "tcp", 443, 443, "cidr6", "::/0", "HTTPS from anywhere"),
        # a local's value is known before plan
        (29, "ingress", TF_WEB, "web", "tcp", 22, 22, "cidr4", "203.0.113.0/24", SSH_DESC),
        (29, "ingress", TF_WEB, "web", "tcp", 22, 22, "unknown", "${var.vpn_cidr}", SSH_DESC),
        (29, "ingress", TF_WEB, "web", "tcp", 22, 22, "group", "aws_security_group.bastion", SSH_DESC),
        (29, "ingress", TF_WEB, "web", "tcp", 22, 22, "group", "sg-0123456789abcdef0", SSH_DESC),
        (40, "ingress", TF_WEB, "web", "all", None, None, "group", TF_WEB, ""),  # self = true
        (47, "egress", TF_WEB, "web", "all", None, None, "cidr4", "10.0.0.0/8", ""),  # the default
        (59, "ingress", TF_WEB, "", "tcp", 9100, 9100, "group", "aws_security_group.monitoring", "node exporter"),
        (69, "egress", WEB, "", "udp", 123, 123, "cidr4", "0.0.0.0/0", ""),
        (69, "egress", WEB, "", "udp", 123, 123, "cidr6", "2001:db8:abcd::/48", ""),
        (79, "ingress", TF_DB, "", "tcp", 5432, 5432, "group", TF_WEB, ""),
        (87, "ingress", TF_DB, "", "tcp", None, None, "cidr4", "198.51.100.7/32", "admin ${var.env}"),
        (96, "egress", TF_DB, "", "all", None, None, "cidr6", "::/0", ""),
        (102, "ingress", TF_DB, "", "icmp", None, None, "prefix-list", "pl-0a1b2c3d", ""),
    ]
    assert rules[0].loc.column == 3 and rules[9].loc.column == 1
    assert rules[13].unresolved == ("from_port", "to_port")  # var.admin_port
    assert all(r.unresolved == () for i, r in enumerate(rules) if i != 13)


def test_terraform_other_hcl_features_are_no_syntax_problems():
    # for-expressions, object literals, jsonencode, template directives in a heredoc, `count`,
    # indexed references, one-line blocks, `moved`: valid Terraform must not produce AUD001
    rules, problems = load("terraform_features/network.tf")
    assert problems == []
    app = "aws_security_group.app"
    out = 'all out: "everything" \u2192 internet, literal ${not_interpolated}'
    assert rows(rules) == [
        (28, "ingress", app, "", "tcp", None, None, "unknown", "local.cidrs", ""),  # dynamic "ingress"
        (40, "egress", app, "", "all", None, None, "cidr4", "0.0.0.0/0", out),
        (40, "egress", app, "", "all", None, None, "cidr6", "::/0", out),
        (57, "ingress", app, "", "tcp", None, None, "unknown", "each.value", ""),  # `.app[0].id` -> the address
    ]
    assert rules[0].unresolved == rules[3].unresolved == ("from_port", "to_port")


def test_terraform_attribute_list_form_and_expression_protocol():
    text = (
        'resource "aws_security_group" "legacy" {\n'
        '  name_prefix = "legacy-"\n'
        "  ingress = [\n"
        "    {\n"
        '      from_port = 80, to_port = 80, protocol = "tcp"\n'
        '      cidr_blocks = ["0.0.0.0/0"], description = "http"\n'
        "    },\n"
        '    { from_port = 53, to_port = 53, protocol = var.dns_protocol, cidr_blocks = ["10.0.0.0/8"] },\n'
        "  ]\n"
        "}\n"
    )
    rules, problems = rules_from_terraform(text, "legacy.tf")
    assert problems == []
    assert rows(rules) == [
        (4, "ingress", "aws_security_group.legacy", "", "tcp", 80, 80, "cidr4", "0.0.0.0/0", "http"),
        (8, "ingress", "aws_security_group.legacy", "", "var.dns_protocol", 53, 53, "cidr4", "10.0.0.0/8", ""),
    ]
    assert rules[1].unresolved == ("protocol",)


def test_terraform_invalid_cidr_and_bad_type_are_aud001_and_the_rest_loads():
    text = (
        'resource "aws_security_group_rule" "bad" {\n'
        '  type = "sideways"\n'
        "}\n"
        'resource "aws_security_group_rule" "ok" {\n'
        '  type = "ingress"\n'
        '  protocol = "udp"\n'
        "  from_port = 500\n"
        "  to_port = 500\n"
        '  cidr_blocks = ["300.1.1.1/32", "10.9.9.9/31"]\n'
        '  security_group_id = "sg-1"\n'
        "}\n"
    )
    rules, problems = rules_from_terraform(text, "r.tf")
    assert rows(rules) == [(4, "ingress", "sg-1", "", "udp", 500, 500, "cidr4", "10.9.9.8/31", "")]
    assert problems_at(problems) == [
        ("AUD001", 1, 'aws_security_group_rule.bad: type should be "ingress" or "egress"'),
        ("AUD001", 4, "invalid CIDR '300.1.1.1/32'"),
    ]


def test_terraform_broken_syntax_keeps_what_it_can():
    text = (
        'resource "aws_vpc_security_group_ingress_rule" "a" {\n'
        '  security_group_id = "sg-1"\n'
        '  cidr_ipv4 = "10.0.0.0/8"\n'
        '  ip_protocol = "tcp"\n'
        "  from_port = 22\n"
        "  to_port = 22\n"
        "}\n"
        'resource "aws_security_group" "b" {\n'
        '  description = "unterminated\n'
        "  ingress {\n"
        '    protocol = "tcp"\n'
        "    cidr_blocks = [\"0.0.0.0/0\"\n"
    )
    rules, problems = rules_from_terraform(text, "broken.tf")
    assert [(r.loc.line, r.source) for r in rules][0] == (1, "10.0.0.0/8")
    lines = {p.loc.line for p in problems}
    assert {p.rule for p in problems} == {"AUD001"}
    assert 9 in lines and 12 in lines  # unterminated string, unclosed bracket


@pytest.mark.parametrize(
    "text",
    [
        "a {" * 20_000,
        "}" * 20_000,
        "a = " + "[" * 20_000,
        "a = " + "[" * 20_000 + "]" * 20_000,
        'a = "' + "${" * 20_000,
        'a = "' + '${"' * 20_000,
        "/*" + "{" * 1000,
        "x = <<EOF\n" + "line\n" * 1000,
        "x " * 100_000,
        "a = [\n" * 20_000,
        'resource "aws_security_group" "x" {\n' * 5_000,
        "{" * 20_000 + 'resource "aws_security_group_rule" "r" {}',
    ],
)
def test_terraform_hostile_input_never_raises_or_hangs(text):
    started = time.perf_counter()
    rules, problems = rules_from_terraform(text, "hostile.tf")
    assert isinstance(rules, list) and isinstance(problems, list)
    assert len(problems) <= 21  # capped, plus one "more" line
    assert time.perf_counter() - started < 10  # generous: catches quadratic blow-ups, not a benchmark


# ---------------------------------------------------------------- cloudformation


def test_cfn_json_template():
    rules, problems = load("cfn_json/stack.json")
    assert problems == []
    assert rows(rules) == [
        (15, "ingress", "WebSecurityGroup", "web", "tcp", 443, 443, "cidr4", "0.0.0.0/0", "HTTPS"),
        # a parameter's default is what a stack deployed with defaults gets
        (16, "ingress", "WebSecurityGroup", "web", "tcp", 22, 22, "cidr4", "203.0.113.0/24", ""),
        (22, "ingress", "WebSecurityGroup", "web", "tcp", 8080, 8080, "group", "LoadBalancerSecurityGroup", ""),
        (30, "egress", "WebSecurityGroup", "web", "all", None, None, "cidr6", "::/0", ""),
        (34, "ingress", "DbSecurityGroup", "", "tcp", 5432, 5432, "group", "WebSecurityGroup", ""),
        (44, "egress", DB, "", "udp", 53, 53, "cidr4", "10.0.0.2/32", "!Sub dns in ${AWS::Region}"),
    ]


def test_cfn_yaml_template_with_short_form_intrinsics():
    rules, problems = load("cfn_yaml/stack.yaml")
    assert problems == []
    assert rows(rules) == [
        (16, "ingress", "WebSecurityGroup", "web", "tcp", 443, 443, "cidr4", "0.0.0.0/0", "HTTPS"),
        (21, "ingress", "WebSecurityGroup", "web", "tcp", 22, 22, "cidr4", "203.0.113.0/24", ""),
        (25, "ingress", "WebSecurityGroup", "web", "tcp", 8080, 8080, "group", "LoadBalancerSecurityGroup", ""),
        (29, "ingress", "WebSecurityGroup", "web", "all", None, None, "cidr6", "2001:db8::/32", ""),
        # the `!If` entry is conditional: nothing is listed for it
        (35, "egress", "WebSecurityGroup", "web", "all", None, None, "cidr4", "0.0.0.0/0", ""),
        (37, "ingress", "DbSecurityGroup", "", "tcp", None, None, "group", "WebSecurityGroup", "!Sub postgres from ${WebSecurityGroup}"),
    ]
    assert rules[-1].unresolved == ("from_port", "to_port")


def test_cfn_wrong_shapes_and_invalid_yaml():
    text = (
        "Resources:\n"
        "  A:\n"
        "    Type: AWS::EC2::SecurityGroup\n"
        "    Properties:\n"
        "      SecurityGroupIngress:\n"
        "        - just a string\n"
        "        - IpProtocol: tcp\n"
        "          FromPort: 1\n"
        "          ToPort: 1\n"
        "          CidrIp: [1, 2]\n"
        "          CidrIpv6: 2001:db8::/129\n"
        "        - IpProtocol: udp\n"
        "          CidrIp: 10.0.0.0/8\n"
        "      SecurityGroupEgress: nope\n"
    )
    rules, problems = rules_from_cfn(text, "t.yaml")
    assert rows(rules) == [(12, "ingress", "A", "", "udp", None, None, "cidr4", "10.0.0.0/8", "")]
    assert [(p.loc.line, p.message) for p in problems] == [
        (6, "A: SecurityGroupIngress[0] should be a mapping"),
        (10, "CidrIp should be a string, not [1,2]"),
        (7, "invalid CIDR '2001:db8::/129'"),
        (14, "A: SecurityGroupEgress should be a list"),
    ]
    rules, problems = rules_from_cfn("Resources:\n  A: [\n", "t.yaml")
    assert rules == [] and problems[0].rule == "AUD001" and problems[0].loc.line == 3


def test_cfn_yaml_alias_bomb_and_deep_nesting_are_bounded():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for n, p in zip("bcdefghij", "abcdefghi")
    ) + "Resources:\n  S:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      SecurityGroupIngress:\n        - {IpProtocol: tcp, CidrIp: *j}\n"
    rules, problems = rules_from_cfn(bomb, "bomb.yaml")
    assert rules == [] and len(problems) == 1 and len(problems[0].message) < 300
    rules, problems = rules_from_cfn("a: " + "[" * 20_000, "deep.yaml")
    assert rules == [] and problems[0].rule == "AUD002"


# ---------------------------------------------------------------- dispatch


@pytest.mark.parametrize(
    "path, text, expected",
    [
        ("groups.json", '{"SecurityGroups": []}', "aws-json"),
        ("rules.json", '{"SecurityGroupRules": []}', "aws-json"),
        ("stack.json", '{"AWSTemplateFormatVersion": "x", "Resources": {"A": {"Type": "AWS::EC2::SecurityGroup"}}}', "cfn"),
        ("package.json", '{"name": "x"}', None),
        ("main.tf", 'resource "aws_security_group" "x" {}', "terraform"),
        ("main.tf", 'resource "aws_vpc_security_group_egress_rule" "x" {}', "terraform"),
        ("main.tf", 'resource "aws_instance" "x" {}', None),
        ("stack.yml", "Type: AWS::EC2::SecurityGroupIngress", "cfn"),
        ("compose.yaml", "services: {}", None),
        ("README.md", "AWS::EC2::SecurityGroup", None),
    ],
)
def test_sniff(path, text, expected):
    assert sniff_secgroup_format(path, text) == expected


def test_dispatch_unreadable_and_unrelated(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "x"}')
    reader = Reader(tmp_path)
    assert load_secgroups(reader, "package.json") == ([], [])
    rules, problems = load_secgroups(reader, "missing.json")
    assert rules == [] and problems[0].rule == "AUD002"


# ---------------------------------------------------------------- never raises

_KEYS = st.sampled_from(
    [
        "SecurityGroups", "SecurityGroupRules", "IpPermissions", "IpPermissionsEgress", "IpRanges", "Ipv6Ranges",
        "UserIdGroupPairs", "PrefixListIds", "CidrIp", "CidrIpv6", "CidrIpv4", "GroupId", "IpProtocol", "FromPort",
        "ToPort", "IsEgress", "ReferencedGroupInfo", "PrefixListId", "Description", "Resources", "Type",
        "Properties", "SecurityGroupIngress", "SecurityGroupEgress", "SourceSecurityGroupId", "Ref", "Fn::GetAtt",
        "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress",
    ]
) | st.text(max_size=5)
_SCALARS = (
    st.none() | st.booleans() | st.integers(-70000, 70000) | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["tcp", "-1", "6", "icmp", "0.0.0.0/0", "::/0", "10.0.0.1/8", "sg-1", "pl-1", "AWS::EC2::SecurityGroup"])
    | st.text(max_size=10)
)
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5), max_leaves=30)

_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(result):
    rules, problems = result
    assert all(isinstance(r, SecurityGroupRule) for r in rules)
    assert all(isinstance(p, LoadProblem) for p in problems)


@_settings
@given(_JSON)
def test_json_values_never_raise(value):
    text = json.dumps(value, indent=1)
    _check(rules_from_aws_json(text, "x.json"))
    _check(rules_from_cfn(text, "x.json"))
    _check(rules_from_cfn(yaml.safe_dump(value), "x.yaml"))


@_settings
@given(st.text())
def test_arbitrary_text_never_raises(text):
    _check(rules_from_aws_json(text, "x.json"))
    _check(rules_from_terraform(text, "x.tf"))
    _check(rules_from_cfn(text, "x.yaml"))
    _check(rules_from_cfn(text, "x.json"))


_HCL_BITS = st.sampled_from(
    ['resource "aws_security_group" "w" {', 'resource "aws_security_group_rule" "r" {', "ingress {", "egress {", "}", "{",
     "[", "]", "(", ")", '"', "${", "%{", "$${", "\\", "#", "//", "/*", "*/", "<<EOT\n", "<<-EOT\n", "EOT", "\n", " = ",
     ",", 'cidr_blocks = ["0.0.0.0/0"]', "protocol = -1", "from_port = 22", "self = true", "var.x", '"tcp"', ":", "="]
)


@_settings
@given(st.lists(_HCL_BITS | st.text(max_size=3), max_size=60).map("".join))
def test_hcl_like_text_never_raises(text):
    _check(rules_from_terraform(text, "x.tf"))


# ---------------------------------------------------------------- speed (reported, not asserted)


def _timed(fn, *args):
    """Result and CPU seconds (wall time on a shared machine says more about the neighbours)."""
    started = time.process_time()
    result = fn(*args)
    return result, time.process_time() - started


def test_five_thousand_rules_load_quickly(capsys):
    n = 5_000
    aws = json.dumps(
        {"SecurityGroupRules": [
            {"SecurityGroupRuleId": f"sgr-{i}", "GroupId": "sg-1", "IsEgress": False, "IpProtocol": "tcp",
             "FromPort": i % 65535, "ToPort": i % 65535, "CidrIpv4": f"10.{i // 256 % 256}.{i % 256}.0/24"}
            for i in range(n)
        ]},
        indent=2,
    )
    tf = "".join(
        f'resource "aws_security_group_rule" "r{i}" {{\n  type = "ingress"\n  from_port = {i}\n  to_port = {i}\n'
        f'  protocol = "tcp"\n  cidr_blocks = ["10.{i // 256 % 256}.{i % 256}.0/24"]\n'
        f"  security_group_id = aws_security_group.web.id\n}}\n"
        for i in range(n)
    )
    cfn = "Resources:\n" + "".join(
        f"  R{i}:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !Ref Web\n"
        f"      IpProtocol: tcp\n      FromPort: {i}\n      ToPort: {i}\n      CidrIp: 10.{i // 256 % 256}.{i % 256}.0/24\n"
        for i in range(n)
    )
    timings = {}
    for name, fn, text, path in (
        ("aws-json", rules_from_aws_json, aws, "r.json"),
        ("terraform", rules_from_terraform, tf, "r.tf"),
        ("cfn-yaml", rules_from_cfn, cfn, "r.yaml"),
    ):
        (rules, problems), seconds = _timed(fn, text, path)
        assert len(rules) == n and problems == []
        timings[name] = round(seconds, 3)
    with capsys.disabled():
        print(f"\n5,000 security-group rules, CPU seconds: {timings}")
