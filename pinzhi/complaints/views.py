from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from pinzhi.complaints.selectors import STAFF_COMPLAINT_ROLES, complaints_visible_to
from pinzhi.core.access import page

VIEW_ROLES = tuple(STAFF_COMPLAINT_ROLES)


@page(*VIEW_ROLES)
def complaint_list(request):
    complaints = complaints_visible_to(request.user).select_related("location", "department")
    page_obj = Paginator(complaints, 25).get_page(request.GET.get("page"))
    return render(request, "complaints/list.html", {"page_obj": page_obj})


@page(*VIEW_ROLES)
def complaint_detail(request, pk):
    complaint = get_object_or_404(complaints_visible_to(request.user), pk=pk)
    return render(request, "complaints/detail.html", {"complaint": complaint})
