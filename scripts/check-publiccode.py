#!/usr/bin/env python3
"""Checks publiccode.yml against the publiccode.yml standard (core, version 0.4).

The official parser (publiccode-parser-go) installs only from Go's module proxy, which
this project's machines do not reach, so this is a check of the standard's rules as its
text states them (https://yml.publiccode.tools/schema.core.html): every mandatory key,
the types, the controlled vocabularies (categories, scope, development status, software
type, maintenance type), the length limits of the descriptions, ISO dates,
BCP 47 language tags, the licence (an SPDX id, and the one Cargo.toml declares) and the
contacts or contractors the maintenance type requires.

Usage: scripts/check-publiccode.py [FILE]  (default publiccode.yml). Exit 1 with every
problem listed, 0 when the file conforms.
"""
import re
import sys
from pathlib import Path

import yaml

CATEGORIES = set("""
accounting agile-project-management applicant-tracking application-development
appointment-scheduling backup billing-and-invoicing blog budgeting business-intelligence
business-process-management cad call-center-management cloud-management collaboration
communications compliance-management contact-management content-management crm
customer-service-and-support data-analytics data-collection data-visualization design
design-system digital-asset-management digital-citizenship document-management
donor-management e-commerce e-signature educational-content email-management
email-marketing employee-management enterprise-project-management
enterprise-social-networking erp event-management facility-management
feedback-and-reviews-management financial-reporting fleet-management fundraising
gamification geographic-information-systems grant-management graphic-design help-desk hr
ide identity-management instant-messaging inventory-management it-asset-management
it-development it-management it-security it-service-management knowledge-management
learning-management-system marketing mind-mapping mobile-marketing mobile-payment
network-management office online-booking online-community payment-gateway payroll
predictive-analysis procurement productivity-suite project-collaboration
project-management property-management real-estate-management remote-support
resource-management sales-management seo service-desk social-media-management survey
talent-management task-management taxes-management test-management time-management
time-tracking translation video-conferencing video-editing visitor-management voip
warehouse-management web-collaboration web-conferencing website-builder whistleblowing
workflow-management
""".split())
SCOPES = set("""
agriculture culture defence education emergency-services employment energy environment
finance-and-economic-development foreign-affairs healthcare infrastructures justice
local-authorities manufacturing research science-and-technology security society sport
tourism transportation welfare
""".split())
STATUSES = {"concept", "development", "beta", "stable", "obsolete"}
SOFTWARE_TYPES = {
    "standalone/mobile", "standalone/iot", "standalone/desktop", "standalone/web",
    "standalone/backend", "standalone/other", "addon", "library", "configurationFiles",
}
MAINTENANCE = {"internal", "contract", "community", "none"}
DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
SPDX_ID = re.compile(r"^[A-Za-z0-9.\-+]+$")


def check(doc, root):
    problems = []

    def need(cond, msg):
        if not cond:
            problems.append(msg)

    def string(obj, key, where, mandatory=True):
        v = obj.get(key) if isinstance(obj, dict) else None
        if v is None:
            need(not mandatory, f"{where}{key}: mandatory")
            return None
        need(isinstance(v, str) and v.strip(), f"{where}{key}: a non-empty string")
        return v if isinstance(v, str) else None

    need(isinstance(doc, dict), "the document is a mapping")
    if not isinstance(doc, dict):
        return problems
    version = string(doc, "publiccodeYmlVersion", "")
    need(version in (None, "0.2", "0.3", "0.4"), f"publiccodeYmlVersion: {version!r} is not a released version")
    string(doc, "name", "")
    url = string(doc, "url", "")
    need(url is None or re.match(r"^https?://\S+$", url), "url: an http(s) URL")
    date = string(doc, "releaseDate", "", mandatory=False)
    need(date is None or DATE.match(date), "releaseDate: YYYY-MM-DD")

    platforms = doc.get("platforms")
    if isinstance(platforms, str):
        platforms = [platforms]
    need(isinstance(platforms, list) and platforms, "platforms: mandatory, one or more")
    for p in platforms or []:
        need(isinstance(p, str) and p, f"platforms: {p!r} is not a string")

    cats = doc.get("categories")
    need(isinstance(cats, list) and cats, "categories: mandatory, one or more")
    for c in cats or []:
        need(c in CATEGORIES, f"categories: {c!r} is not in the standard's list")
    need(doc.get("developmentStatus") in STATUSES, "developmentStatus: one of " + ", ".join(sorted(STATUSES)))
    need(doc.get("softwareType") in SOFTWARE_TYPES, "softwareType: one of the standard's values")

    audience = doc.get("intendedAudience", {})
    need(isinstance(audience, dict), "intendedAudience: a mapping")
    if isinstance(audience, dict):
        for key in ("countries", "unsupportedCountries"):
            for c in audience.get(key, []) or []:
                need(isinstance(c, str) and re.match(r"^[a-z]{2}$", c), f"intendedAudience/{key}: {c!r} is not a lowercase ISO 3166-1 code")
        for s in audience.get("scope", []) or []:
            need(s in SCOPES, f"intendedAudience/scope: {s!r} is not in the standard's list")

    desc = doc.get("description")
    need(isinstance(desc, dict) and desc, "description: mandatory, at least one language")
    long_ok = features_ok = False
    for lang, d in (desc or {}).items():
        where = f"description/{lang}/"
        need(isinstance(lang, str) and LANG.match(lang), f"{where}: not a BCP 47 tag")
        if not isinstance(d, dict):
            problems.append(f"{where}: a mapping")
            continue
        short = string(d, "shortDescription", where)
        need(short is None or len(short) <= 150, f"{where}shortDescription: at most 150 characters ({len(short or '')})")
        long = string(d, "longDescription", where, mandatory=False)
        if long is not None:
            need(150 <= len(long) <= 10000, f"{where}longDescription: 150 to 10,000 characters ({len(long)})")
            long_ok = True
        generic = d.get("genericName")
        need(generic is None or (isinstance(generic, str) and len(generic) <= 35), f"{where}genericName: at most 35 characters")
        feats = d.get("features")
        if feats is not None:
            need(isinstance(feats, list) and all(isinstance(f, str) and f for f in feats), f"{where}features: a list of strings")
            features_ok = features_ok or bool(feats)
        for shot in d.get("screenshots", []) or []:
            need(isinstance(shot, str) and (shot.startswith("http") or (root / shot).is_file()), f"{where}screenshots: {shot!r} is not a file of the repository")
    need(long_ok, "description/[lang]/longDescription: mandatory for at least one language")
    need(features_ok, "description/[lang]/features: mandatory for at least one language")

    legal = doc.get("legal")
    need(isinstance(legal, dict), "legal: mandatory")
    lic = string(legal or {}, "license", "legal/")
    if lic:
        ids = [t for t in re.split(r"\s+(?:AND|OR|WITH)\s+|[()]", lic) if t.strip()]
        need(ids and all(SPDX_ID.match(t.strip()) for t in ids), "legal/license: an SPDX expression")
        cargo = (root / "Cargo.toml").read_text(encoding="utf-8")
        m = re.search(r'^license\s*=\s*"([^"]+)"', cargo, re.M)
        need(m is not None and m.group(1) == lic, f"legal/license: {lic!r}, but Cargo.toml declares {m.group(1) if m else None!r}")
        need((root / "LICENSE").is_file(), "legal/license: no LICENSE file with the licence's text")

    maint = doc.get("maintenance")
    need(isinstance(maint, dict) and maint.get("type") in MAINTENANCE, "maintenance/type: one of " + ", ".join(sorted(MAINTENANCE)))
    if isinstance(maint, dict):
        kind = maint.get("type")
        if kind == "contract":
            cons = maint.get("contractors")
            need(isinstance(cons, list) and cons, "maintenance/contractors: mandatory for a contract")
            for c in cons or []:
                string(c, "name", "maintenance/contractors/")
                until = string(c, "until", "maintenance/contractors/")
                need(until is None or DATE.match(until), "maintenance/contractors/until: YYYY-MM-DD")
        if kind in ("internal", "community"):
            contacts = maint.get("contacts")
            need(isinstance(contacts, list) and contacts, f"maintenance/contacts: mandatory for {kind} maintenance")
            for c in contacts or []:
                string(c, "name", "maintenance/contacts/")

    loc = doc.get("localisation")
    need(isinstance(loc, dict), "localisation: mandatory")
    if isinstance(loc, dict):
        need(isinstance(loc.get("localisationReady"), bool), "localisation/localisationReady: a boolean")
        langs = loc.get("availableLanguages")
        need(isinstance(langs, list) and langs, "localisation/availableLanguages: one or more")
        for lang in langs or []:
            need(isinstance(lang, str) and LANG.match(lang), f"localisation/availableLanguages: {lang!r} is not a BCP 47 tag")

    for key in ("open", "proprietary", "hardware"):
        for dep in (doc.get("dependsOn") or {}).get(key, []) or []:
            string(dep, "name", f"dependsOn/{key}/")
    return problems


def main():
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "publiccode.yml")
    text = path.read_text(encoding="utf-8")
    problems = check(yaml.safe_load(text), path.resolve().parent)
    for p in problems:
        print(f"{path}: {p}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"{path}: conforms to the publiccode.yml standard (core)")


if __name__ == "__main__":
    main()
