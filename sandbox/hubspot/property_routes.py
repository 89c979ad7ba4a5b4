"""HTTP handlers for property definitions and property groups, of contacts and of companies.

Endpoint names: properties.list, properties.get, properties.create, properties.update,
properties.groups.list, properties.groups.create (contacts, /crm/v3/properties/contacts), and the same
prefixed with "companies." for companies (/crm/v3/properties/companies).
"""

from __future__ import annotations

from typing import Any

from leadstage.sandbox.http import (
    CATEGORY_ALREADY_EXISTS,
    CATEGORY_NOT_FOUND,
    ApiError,
    Request,
    Response,
    Router,
)
from leadstage.sandbox.hubspot.portal import HubSpotPortal
from leadstage.sandbox.hubspot.properties import (
    FIELD_TYPES,
    PROPERTY_NAME_RE,
    PROPERTY_TYPES,
    TYPE_BOOL,
    TYPE_ENUMERATION,
    PropertyDefinition,
    make_options,
)
from leadstage.sandbox.timeutil import iso_ms

PROPERTIES = "/crm/v3/properties/contacts"
CONTACTS, COMPANIES = "contacts", "companies"


class PropertyRoutes:
    """Property definitions and groups of one object type (contacts, or companies)."""

    def __init__(self, portal: HubSpotPortal, object_type: str = CONTACTS) -> None:
        if object_type not in (CONTACTS, COMPANIES):
            raise ValueError(f"property routes serve contacts or companies, not {object_type!r}")
        self.portal = portal
        self.object_type = object_type
        self.path = f"/crm/v3/properties/{object_type}"
        self.prefix = "properties" if object_type == CONTACTS else f"{object_type}.properties"
        self.label = "CONTACT" if object_type == CONTACTS else "COMPANY"

    def register(self, router: Router) -> None:
        """Add the routes (groups before the {name} pattern)."""
        path, prefix = self.path, self.prefix
        router.add("GET", path, f"{prefix}.list", self.list_properties)
        router.add("POST", path, f"{prefix}.create", self.create_property)
        router.add("GET", f"{path}/groups", f"{prefix}.groups.list", self.list_groups)
        router.add("POST", f"{path}/groups", f"{prefix}.groups.create", self.create_group)
        router.add("GET", f"{path}/{{name}}", f"{prefix}.get", self.get_property)
        router.add("PATCH", f"{path}/{{name}}", f"{prefix}.update", self.update_property)

    @property
    def definitions(self) -> dict[str, PropertyDefinition]:
        """The object's definitions (looked up per request: clearing or loading the portal replaces them)."""
        return self.portal.definitions if self.object_type == CONTACTS else self.portal.companies.definitions

    @property
    def groups(self) -> dict[str, dict[str, Any]]:
        """The object's property groups."""
        return self.portal.groups if self.object_type == CONTACTS else self.portal.companies.groups

    def _now_iso(self) -> str:
        return iso_ms(self.portal.now_ms())

    def list_properties(self, request: Request) -> Response:
        """GET /crm/v3/properties/{objectType}."""
        with self.portal.lock:
            results = [definition.to_api() for definition in self.definitions.values()]
        return Response.json(200, {"results": results})

    def get_property(self, request: Request) -> Response:
        """GET /crm/v3/properties/{objectType}/{name}."""
        with self.portal.lock:
            found = self.definitions.get(request.params["name"])
            if found is None:
                message = f"Unable to find property with name {request.params['name']!r} for object type {self.label}"
                raise ApiError(404, message, CATEGORY_NOT_FOUND)
            return Response.json(200, found.to_api())

    def create_property(self, request: Request) -> Response:
        """POST /crm/v3/properties/{objectType}: 201, 409 when the name exists, 400 when invalid."""
        body = request.json_object()
        name = str(body.get("name", ""))
        with self.portal.lock:
            if name in self.definitions:
                raise ApiError(409, f"Property named '{name}' already exists.", CATEGORY_ALREADY_EXISTS)
            definition = self._definition_from(body, name)
            self.definitions[name] = definition
            return Response.json(201, definition.to_api())

    def _definition_from(self, body: dict[str, Any], name: str) -> PropertyDefinition:
        if not PROPERTY_NAME_RE.match(name):
            raise ApiError(
                400,
                f"Invalid property name {name!r}: use lowercase letters, digits and underscores, "
                "starting with a letter",
            )
        ptype, field_type, group = body.get("type"), body.get("fieldType"), body.get("groupName")
        if ptype not in PROPERTY_TYPES:
            raise ApiError(400, f"Invalid type {ptype!r}; use one of {', '.join(PROPERTY_TYPES)}")
        if field_type not in FIELD_TYPES:
            raise ApiError(400, f"Invalid fieldType {field_type!r}; use one of {', '.join(FIELD_TYPES)}")
        if group not in self.groups:
            raise ApiError(400, f"Property group {group!r} does not exist; create it first")
        if not body.get("label"):
            raise ApiError(400, "A property needs a 'label'")
        options = self._options(body.get("options"), ptype)
        now = self._now_iso()
        return PropertyDefinition(
            name=name,
            label=str(body["label"]),
            type=ptype,
            field_type=field_type,
            group_name=group,
            created_at=now,
            description=str(body.get("description") or ""),
            options=options,
            hubspot_defined=False,
            display_order=int(body.get("displayOrder", -1)),
        )

    @staticmethod
    def _options(raw: Any, ptype: str | None) -> list[dict[str, Any]]:
        if ptype == TYPE_BOOL and not raw:
            return make_options(["true", "false"], ["Yes", "No"])
        if ptype not in (TYPE_ENUMERATION, TYPE_BOOL):  # HubSpot keeps a boolean's options as given
            return []
        if not isinstance(raw, list) or not raw:
            raise ApiError(400, "Enumeration properties need a non-empty 'options' list")
        out = []
        for order_, option in enumerate(raw):
            if not isinstance(option, dict) or "value" not in option or "label" not in option:
                raise ApiError(400, "Each option needs a 'label' and a 'value'")
            out.append(
                {
                    "label": str(option["label"]),
                    "value": str(option["value"]),
                    "displayOrder": int(option.get("displayOrder", order_)),
                    "hidden": bool(option.get("hidden", False)),
                    "description": str(option.get("description", "")),
                }
            )
        return out

    def update_property(self, request: Request) -> Response:
        """PATCH /crm/v3/properties/{objectType}/{name}: label, description, groupName, options."""
        body = request.json_object()
        with self.portal.lock:
            definition = self.definitions.get(request.params["name"])
            if definition is None:
                raise ApiError(404, f"Unable to find property with name {request.params['name']!r}", CATEGORY_NOT_FOUND)
            if "groupName" in body and body["groupName"] not in self.groups:
                raise ApiError(400, f"Property group {body['groupName']!r} does not exist")
            if "options" in body:
                definition.options = self._options(body["options"], definition.type)
            definition.label = str(body.get("label", definition.label))
            definition.description = str(body.get("description", definition.description))
            definition.group_name = str(body.get("groupName", definition.group_name))
            definition.updated_at = self._now_iso()
            return Response.json(200, definition.to_api())

    def list_groups(self, request: Request) -> Response:
        """GET /crm/v3/properties/{objectType}/groups."""
        with self.portal.lock:
            return Response.json(200, {"results": [dict(group) for group in self.groups.values()]})

    def create_group(self, request: Request) -> Response:
        """POST /crm/v3/properties/{objectType}/groups: 201, or 409 when the name exists."""
        body = request.json_object()
        name, label = str(body.get("name", "")), body.get("label")
        if not PROPERTY_NAME_RE.match(name) or not label:
            raise ApiError(
                400, "A property group needs a 'name' (lowercase letters, digits, underscores) and a 'label'"
            )
        with self.portal.lock:
            if name in self.groups:
                raise ApiError(409, f"Property group named '{name}' already exists.", CATEGORY_ALREADY_EXISTS)
            group = {
                "name": name,
                "label": str(label),
                "displayOrder": int(body.get("displayOrder", -1)),
                "archived": False,
            }
            self.groups[name] = group
            return Response.json(201, dict(group))
