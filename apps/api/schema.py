"""OpenAPI description of the API key scheme, so the schema and Swagger UI show how to authenticate."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An API key created by the account owner under API keys, sent as "
            "`Authorization: Api-Key <prefix>.<secret>`. Read-only keys may only use GET.",
        }
