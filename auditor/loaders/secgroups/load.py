"""Security-group files: which format a file is in, and reading it with that format's module."""
from __future__ import annotations

import posixpath
import re
from typing import Optional

from ...model import Loc
from ...reader import Reader
from . import aws_json, cfn, terraform
from .common import Problems, Rules, problem
from .terraform_values import folder_values, sg_module_preset

_TF_RESOURCE = re.compile(r'resource\s+"?aws_(?:security_group|security_group_rule|vpc_security_group_(?:ingress|egress)_rule)"?[\s{"]'
                          # a call to the security-group module: its inputs name the rules
                          r'|^\s*(?:ingress_rules|ingress_with_cidr_blocks|ingress_cidr_blocks)\s*=', re.M)


_CFN_RESOURCE_TYPE = re.compile(r'"Type"\s*:\s*"AWS::[A-Za-z0-9]+::')


def sniff_secgroup_format(path: str, text: str) -> Optional[str]:
    """"aws-json", "terraform", "cfn" or None, from the file name and a few substrings."""
    name = path.lower()
    if name.endswith(".json"):
        cfn_type = "AWS::EC2::SecurityGroup" in text
        if "AWSTemplateFormatVersion" in text or _CFN_RESOURCE_TYPE.search(text):
            # a CloudFormation template: ECS services and load balancers also name
            # "SecurityGroups", which does not make them describe-security-groups output
            return "cfn" if cfn_type else None
        if '"SecurityGroups"' in text or '"SecurityGroupRules"' in text or '"IpPermissions"' in text:
            return "aws-json"
        return "cfn" if cfn_type else None
    if name.endswith(".tf"):
        return "terraform" if _TF_RESOURCE.search(text) else None
    if name.endswith((".yaml", ".yml", ".template")):
        return "cfn" if "AWS::EC2::SecurityGroup" in text else None
    return None


def load_secgroups(reader: Reader, path: str) -> tuple[Rules, Problems]:
    """Rules of one file in whichever format it is; ([], []) when it holds no security groups."""
    text, read_problem = reader.read(path)
    if text is None:
        return [], [read_problem] if read_problem else []
    fmt = sniff_secgroup_format(path, text)
    try:
        if fmt == "aws-json":
            return aws_json.rules_from_aws_json(text, path, reader.limits)
        if fmt == "terraform":
            folder = posixpath.dirname(path)
            folders: dict[str, object] = {}

            def load(f: str):
                if f not in folders:
                    folders[f] = folder_values(reader, f, terraform.parse_hcl)
                return folders[f]

            return terraform.rules_from_terraform(
                text, path, reader.limits.max_depth, folder=load(folder),  # type: ignore[arg-type]
                modules=lambda source: sg_module_preset(source, reader, folder, load))
        if fmt == "cfn":
            return cfn.rules_from_cfn(text, path, reader.limits)
    except (RecursionError, MemoryError, ValueError, TypeError, KeyError, IndexError) as exc:
        # last line of defence for the loader contract: one odd file must not stop a scan
        # (the exception's text is not shown: it may quote a value of the file)
        return [], [problem(f"could not be loaded ({type(exc).__name__})", Loc(path=path))]
    return [], []
