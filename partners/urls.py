"""Pages for partners, people, sites and agreements."""

app_name = "partners"

urlpatterns: list = []
