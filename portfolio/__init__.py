"""The portfolio app: programmes and projects for one council or several, their status
reports, risks and issues, and the joint roadmap (docs/portfolio.md)."""
