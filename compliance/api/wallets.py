"""Your wallet addresses over the API: GET / POST /api/v1/wallets (docs/watchlists.md).

Each address is checked against the digital-currency addresses on the sanctions lists when
it is registered and whenever a list adds addresses; the answer is the same either way (the
check's outcome is for compliance officers). POST is an upsert per chain and address, so it
is safe to repeat without an Idempotency-Key: 201 when new, 200 when already registered.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiKey, User
from compliance.models import WalletAddress
from compliance.screening.importers.chains import SUPPORTED_CHAINS
from compliance.screening.wallets import register_wallet, wallets_of


class WalletOutput(serializers.ModelSerializer):
    """A wallet address of yours (`source`: user, or venue when an exchange reported it)."""

    class Meta:
        model = WalletAddress
        fields = ("id", "chain", "address", "label", "source", "created_at")


class WalletInput(serializers.Serializer):
    chain = serializers.CharField(
        max_length=12,
        help_text="the currency code as the sanctions lists write it: "
        f"{', '.join(SUPPORTED_CHAINS)} (BTC is read as XBT)",
    )
    address = serializers.CharField(
        max_length=200, help_text="checked for the chain's length and alphabet"
    )
    # The metaclass turns this into a field; the stubs see Field.label, a string.
    label = serializers.CharField(  # type: ignore[assignment]
        max_length=100, required=False, allow_blank=True, default=""
    )


class WalletListView(APIView):
    """Your registered wallet addresses."""

    @extend_schema(responses={200: WalletOutput(many=True)}, operation_id="wallets_list")
    def get(self, request: Request) -> Response:
        wallets = wallets_of(request.user)  # type: ignore[arg-type]
        return Response(WalletOutput(wallets, many=True).data)

    @extend_schema(
        request=WalletInput,
        responses={201: WalletOutput, 200: WalletOutput},
        operation_id="wallets_create",
        description=(
            "Register a wallet address. 400 names the field when the chain is not supported or "
            "the address is not one of that chain; 200 when you registered it before."
        ),
    )
    def post(self, request: Request) -> Response:
        data = WalletInput(data=request.data)
        data.is_valid(raise_exception=True)
        user: User = request.user  # type: ignore[assignment]
        api_key = request.auth if isinstance(request.auth, ApiKey) else None
        known = set(WalletAddress.objects.filter(user=user).values_list("pk", flat=True))
        wallet = register_wallet(user=user, actor=api_key or user, **data.validated_data)
        code = status.HTTP_200_OK if wallet.pk in known else status.HTTP_201_CREATED
        return Response(WalletOutput(wallet).data, status=code)
