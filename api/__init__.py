"""The JSON API (DESIGN §4): marshmallow schemas and thin routes over depot's services."""
