"""One way to page a list in the API: `limit` and `offset`, answered as
`{"count", "next", "previous", "results"}`.

Views whose list is built by hand (filters checked first, summaries joined per page) derive
from `PagedListView`, so the page and the OpenAPI schema come from the same
`pagination_class`: drf-spectacular documents a view's list response as the paged object,
with `limit` and `offset`, only when the view has one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class PagedListView(APIView):
    pagination_class = LimitOffsetPagination

    def page_response(
        self,
        request: Request,
        rows: QuerySet[Any] | Sequence[Any],
        render: Callable[[list[Any]], Any],
    ) -> Response:
        """The page of `rows` the request asks for, each page rendered by `render`."""
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self) or []
        return paginator.get_paginated_response(render(page))
