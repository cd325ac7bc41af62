"""The reporting app: KPIs rolled up from every app's records, dashboards for each reader's
scope, and the monthly packs for each council and the joint board (docs/reporting.md)."""
