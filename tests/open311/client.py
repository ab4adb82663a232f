"""Open311 GeoReport v2 against the live server (run by tests/api/open311.rs).

1. The PyPI `georeport` client (0.3.x) reads services, a service definition, requests and one
   request, in JSON and in XML.
2. Every response — both formats, errors included — validates against the JSON Schemas in
   schemas/ (written from the spec). XML is read by the spec's element tree: a list is a container
   of named items, and text is read as the type the schema asks for where it is one.
3. A FixMyStreet-style client files a request: a form POST to requests.xml with api_key, then
   reads <service_requests><request><service_request_id>; then follows it.

Environment: OPEN311_BASE (…/open311/v2), OPEN311_KEY, OPEN311_OTHER_KEY (another integration),
OPEN311_REVOKED_KEY, OPEN311_PUBLISHED_ID (a published answer). Prints one JSON line with what
it filed; exits non-zero on the first failure, saying what failed.

georeport 0.3.1 sends no api_key on GET (it keeps the key but only the spec's POST needs it), so
for the calls that read the caller's own requests its `requests.get` is wrapped to add the key —
the one patch; the unauthenticated calls use the client as shipped.
"""

import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import georeport
import georeport.georeport as georeport_module
import jsonschema
import requests
import xmltodict

BASE = os.environ["OPEN311_BASE"].rstrip("/")
KEY = os.environ["OPEN311_KEY"]
OTHER_KEY = os.environ["OPEN311_OTHER_KEY"]
REVOKED_KEY = os.environ["OPEN311_REVOKED_KEY"]
PUBLISHED_ID = os.environ["OPEN311_PUBLISHED_ID"]
JURISDICTION = "370000"
SERVICE = "complaint-service_attitude"
SCHEMAS = {p.stem: json.loads(p.read_text()) for p in (Path(__file__).parent / "schemas").glob("*.json")}
ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
         "values": "value", "endpoints": "endpoint", "formats": "format"}
checks = 0


def check(condition, what):
    global checks
    checks += 1
    if not condition:
        raise AssertionError(what)


def coerce(value, schema):
    """An XML value (as xmltodict reads it) as the JSON value the schema describes."""
    if "$ref" in schema:
        schema = resolve(schema["$ref"])
    if "anyOf" in schema:
        for option in schema["anyOf"]:
            option = resolve(option["$ref"]) if "$ref" in option else option
            out = coerce(value, option)
            if jsonschema.Draft202012Validator(option).is_valid(out):
                return out
        return value
    types = schema.get("type", [])
    types = types if isinstance(types, list) else [types]
    if value is None:
        if "array" in types:
            return []
        if "null" in types or not types:
            return None
        return ""
    if "array" in types and isinstance(value, dict) and len(value) == 1:
        items = next(iter(value.values()))
        items = items if isinstance(items, list) else [items]
        return [coerce(v, schema.get("items", {})) for v in items]
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {k: coerce(v, props.get(k, {})) for k, v in value.items()}
    if isinstance(value, str):
        if "boolean" in types and value in ("true", "false"):
            return value == "true"
        if "integer" in types and re.fullmatch(r"-?\d+", value):
            return int(value)
        if "number" in types:
            try:
                return float(value)
            except ValueError:
                return value
    return value


CURRENT = {}


def resolve(ref):
    node = CURRENT["schema"]
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def validate(name, doc, what):
    schema = SCHEMAS[name]
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    check(not errors, f"{what}: does not validate against {name}.json: "
                      + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5]))


def from_xml(text, root, schema_name):
    tree = xmltodict.parse(text, force_list=tuple(ITEMS.values()))
    check(list(tree) == [root], f"XML root is <{root}>, found {list(tree)}")
    CURRENT["schema"] = SCHEMAS[schema_name]
    body = tree[root]
    if schema_name in ("services", "requests", "post_request", "tokens", "errors"):
        body = {ITEMS[root]: (body or {}).get(ITEMS[root], [])} if body else None
    return coerce(body, SCHEMAS[schema_name])


def fetch(method, path, fmt, root, schema, status=200, **kw):
    """Calls the server, checks the status and the document in that format; returns it as JSON."""
    url = f"{BASE}/{path}.{fmt}"
    r = requests.request(method, url, timeout=30, **kw)
    check(r.status_code == status, f"{method} {path}.{fmt}: status {r.status_code}, expected {status}: {r.text[:300]}")
    if fmt == "json":
        check(r.headers["content-type"].startswith("application/json"), f"{path}.json content type")
        doc = r.json()
    else:
        check(r.headers["content-type"].startswith("text/xml"), f"{path}.xml content type")
        doc = from_xml(r.content, root, schema)
    validate(schema, doc, f"{method} {path}.{fmt}")
    return doc


def as_list(x):
    return x if isinstance(x, list) else [x]


def with_key(client_key):
    """georeport's `requests.get` with api_key added (see the module's doc)."""
    class Shim:
        def __getattr__(self, name):
            return getattr(requests, name)

        @staticmethod
        def get(url, params=None, **kw):
            params = dict(params or {})
            params["api_key"] = client_key
            return requests.get(url, params=params, **kw)
    return Shim()


def main():
    out = {}
    # --- FixMyStreet-style: form POST to requests.xml, read the id from the XML --------------------
    form = {
        "api_key": KEY, "jurisdiction_id": JURISDICTION, "service_code": SERVICE,
        "description": "派出所户籍窗口只开一个，排队两个小时没人管，希望增加窗口。",
        "lat": "36.1818", "long": "116.7681", "address_string": "肥城市新城路派出所",
        "first_name": "明", "last_name": "李", "email": "fms.citizen@example.com",
        "attribute[region]": "370983", "attribute[target_unit]": "370983-police",
        "attribute[publishable]": "false",
    }
    r = requests.post(f"{BASE}/requests.xml", data=form, timeout=30)
    check(r.status_code == 201, f"FixMyStreet POST: {r.status_code} {r.text[:300]}")
    root = ET.fromstring(r.content)
    check(root.tag == "service_requests", "FixMyStreet POST root")
    fms_id = root.find("./request/service_request_id").text
    access_key = root.find("./request/access_key").text
    check(bool(re.fullmatch(r"MS-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", fms_id)), f"id {fms_id}")
    check(access_key in root.find("./request/service_notice").text, "the notice tells the key")
    validate("post_request", from_xml(r.content, "service_requests", "post_request"), "POST requests.xml")
    out["fms_id"], out["access_key"] = fms_id, access_key
    # ... and follows it, as FixMyStreet does, with its key.
    mine = fetch("GET", f"requests/{fms_id}", "xml", "service_requests", "requests", params={"api_key": KEY})
    check(mine[0]["status"] == "open" and mine[0]["lat"] == 36.1818, f"followed: {mine}")
    check(mine[0]["agency_responsible"] == "肥城市公安局", f"agency: {mine[0]}")

    # --- the same in JSON ------------------------------------------------------------------------
    json_form = dict(form, description="法院立案窗口的工作人员态度生硬，希望改进服务。",
                     email="json.citizen@example.com")
    filed = fetch("POST", "requests", "json", "service_requests", "post_request", status=201, data=json_form)
    out["json_id"] = filed[0]["service_request_id"]

    for fmt in ("json", "xml"):
        # --- the georeport client, as shipped: services, a definition, public requests ---------------
        client = georeport.GeoReport(BASE, jurisdiction=JURISDICTION, output_format=fmt)
        services = as_list(client.get_service_list())
        codes = [s["service_code"] for s in services]
        check(SERVICE in codes and "report-illegal_business" in codes, f"{fmt}: services {codes[:5]}")
        check("complaint-illegal_business" not in codes, f"{fmt}: only pairs a citizen may choose")
        definition = client.get_service_definition(SERVICE)
        attrs = definition["attributes"]
        attrs = as_list(attrs["attribute"] if isinstance(attrs, dict) else attrs)
        region = next(a for a in attrs if a["code"] == "region")
        values = region["values"]
        values = as_list(values["value"] if isinstance(values, dict) else values)
        check(region["datatype"] == "singlevaluelist" and any(v["key"] == "370983" for v in values),
              f"{fmt}: region attribute {region['datatype']}")
        public = as_list(client.get_service_requests())
        public_ids = [x["service_request_id"] for x in public]
        check(PUBLISHED_ID in public_ids, f"{fmt}: the published answer is listed: {public_ids}")
        check(fms_id not in public_ids, f"{fmt}: a complaint is not public")
        one = client.get_service_request(PUBLISHED_ID)
        check(one["status"] == "closed" and one["status_notes"], f"{fmt}: published answer {one}")
        # --- the same client with the key added (the one patch): its own requests -----------------
        georeport_module.requests = with_key(KEY)
        try:
            own = as_list(client.get_service_requests(status="open"))
            own_ids = [x["service_request_id"] for x in own]
            check(fms_id in own_ids and out["json_id"] in own_ids, f"{fmt}: own requests {own_ids}")
            detail = client.get_service_request(fms_id)
            check(detail["description"].startswith("派出所户籍窗口"), f"{fmt}: own request {detail}")
        finally:
            georeport_module.requests = requests

        # --- every document validates, in this format -------------------------------------------------
        disc = fetch("GET", "discovery", fmt, "discovery", "discovery")
        check(disc["endpoints"][0]["url"].endswith("/open311/v2"), "discovery url")
        fetch("GET", "services", fmt, "services", "services", params={"jurisdiction_id": JURISDICTION})
        for code in (SERVICE, "report-illegal_business"):
            fetch("GET", f"services/{code}", fmt, "service_definition", "service_definition")
        fetch("GET", "requests", fmt, "service_requests", "requests")
        listed = fetch("GET", "requests", fmt, "service_requests", "requests",
                       params={"api_key": KEY, "service_code": SERVICE, "status": "open,closed"})
        check({fms_id, out["json_id"]} <= {x["service_request_id"] for x in listed}, f"{fmt}: filtered")
        fetch("GET", f"requests/{PUBLISHED_ID}", fmt, "service_requests", "requests")
        tok = fetch("GET", f"tokens/{fms_id}", fmt, "service_requests", "tokens", params={"api_key": KEY})
        check(tok[0]["service_request_id"] == fms_id, f"{fmt}: token")
        # --- errors: the spec's list, with 400/403/404 --------------------------------------------------
        bad = dict(form, api_key="o311_wrong")
        fetch("POST", "requests", fmt, "errors", "errors", status=403, data=bad)
        fetch("POST", "requests", fmt, "errors", "errors", status=403, data=dict(form, api_key=REVOKED_KEY))
        fetch("GET", "requests", fmt, "errors", "errors", status=403, params={"api_key": "o311_wrong"})
        errs = fetch("POST", "requests", fmt, "errors", "errors", status=400,
                     data=dict(form, service_code="complaint-no_such_service"))
        check(any("service_code" in e["description"] for e in errs), f"{fmt}: names the field: {errs}")
        fetch("POST", "requests", fmt, "errors", "errors", status=400,
              data={k: v for k, v in form.items() if k != "description"})
        fetch("GET", "services/no-such", fmt, "errors", "errors", status=404)
        fetch("GET", "requests/MS-0000-0000-0000", fmt, "errors", "errors", status=404)
        fetch("GET", f"requests/{fms_id}", fmt, "errors", "errors", status=404)  # no key: not public
        fetch("GET", f"requests/{fms_id}", fmt, "errors", "errors", status=404, params={"api_key": OTHER_KEY})
        fetch("GET", "requests", fmt, "errors", "errors", status=400,
              params={"start_date": "2020-01-01T00:00:00Z", "end_date": "2021-01-01T00:00:00Z"})
    out["checks"] = checks
    print(json.dumps(out))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - every failure is reported the same way
        print(f"FAILED after {checks} checks: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
