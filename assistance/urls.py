from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "社会救助经办管理系统 · 管理后台"
admin.site.site_title = "社会救助管理后台"
admin.site.index_title = "基础数据与人员管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("assistance.api_urls")),
    path("audit/", include("audit.urls")),
    path("eligibility/", include("eligibility.urls")),
    path("payments/", include("payments.urls")),
    path("", include("assistance.page_urls")),
    path("", include("cases.urls")),
]
