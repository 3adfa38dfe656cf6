"""Exchange secrets at rest: MultiFernet round trip and key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from tests.factories import UserFactory
from trading import crypto
from trading.models import ExchangeConnection
from trading.services.connections import add_connection, credentials_for

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_round_trip_and_no_plaintext_in_the_token(settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    token = crypto.encrypt("s3cr3t-value")
    assert "s3cr3t" not in token
    assert crypto.decrypt(token) == "s3cr3t-value"


def test_a_token_from_an_unknown_key_does_not_decrypt(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    token = crypto.encrypt("x")
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(token)


@pytest.mark.django_db
def test_rotation_re_encrypts_every_row_and_old_rows_decrypt_mid_rotation(settings, capsys):
    # given: two connections stored under the old key
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    user = UserFactory.create()
    first = add_connection(
        user=user, exchange="binance", label="a", api_key="key-aaaa1111", secret="sec-a"
    )
    second = add_connection(
        user=user,
        exchange="coindcx",
        label="b",
        api_key="key-bbbb2222",
        secret="sec-b",
        passphrase="pass-b",
    )
    # when: the new key is put first; before rotating, old rows still decrypt
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    assert credentials_for(first).secret == "sec-a"
    # mid-rotation: one row re-encrypted, the other not yet; both decrypt
    first.secret_encrypted = crypto.rotate(first.secret_encrypted)
    first.save(update_fields=["secret_encrypted"])
    assert credentials_for(ExchangeConnection.objects.get(pk=first.pk)).secret == "sec-a"
    assert credentials_for(ExchangeConnection.objects.get(pk=second.pk)).passphrase == "pass-b"
    call_command("rotate_exchange_keys")
    # then: every row decrypts with the new key alone
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    rotated = {c.label: credentials_for(c) for c in ExchangeConnection.objects.all()}
    assert rotated["a"].api_key == "key-aaaa1111"
    assert (rotated["b"].secret, rotated["b"].passphrase) == ("sec-b", "pass-b")
    assert "re-encrypted 2 exchange connection(s)" in capsys.readouterr().out


def test_credentials_never_print_their_secret():
    from trading.exchanges.base import Credentials

    credentials = Credentials(api_key="abcdefgh1234", secret="topsecret", passphrase="pp")
    assert "topsecret" not in repr(credentials)
    assert "1234" in repr(credentials)
