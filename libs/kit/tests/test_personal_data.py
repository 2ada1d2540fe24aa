from mpp_kit.personal_data import keyed_hash, mask_email, mask_nik, mask_phone, mask_text


def test_masks_keep_enough_to_recognise_and_not_enough_to_contact():
    assert mask_email("budi.santoso@example.id") == "b***@example.id"
    assert mask_phone("+6281234567890") == "+6281*******90"
    assert mask_nik("3201234567890001") == "3201********0001"


def test_free_text_is_masked_for_logs():
    text = "kontak budi@example.id / 081234567890, NIK 3201234567890001"
    masked = mask_text(text)
    assert "budi@example.id" not in masked
    assert "081234567890" not in masked
    assert "3201234567890001" not in masked
    assert "kontak" in masked


def test_keyed_hash_matches_without_revealing():
    assert keyed_hash("3201234567890001", b"k") == keyed_hash("3201234567890001", b"k")
    assert keyed_hash("3201234567890001", b"k") != keyed_hash("3201234567890001", b"other")
