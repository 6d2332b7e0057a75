import pytest

from forms import InvalidFormSchema, check_form_schema, validate_form_data

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {"cccd": {"type": "string", "pattern": "^[0-9]{12}$"}},
    "properties": {
        "ho_ten": {"type": "string", "title": "Họ và tên", "minLength": 1, "maxLength": 50},
        "tuoi": {"type": "integer", "title": "Tuổi", "minimum": 18, "maximum": 120},
        "ty_le": {"type": "number", "title": "Tỷ lệ", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "so_cccd": {"$ref": "#/$defs/cccd", "title": "Số CCCD"},
        "email": {"type": "string", "format": "email", "title": "Thư điện tử"},
        "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày sinh"},
        "hen_luc": {"type": "string", "format": "date-time", "title": "Thời điểm hẹn"},
        "gioi_tinh": {"enum": ["nam", "nu"], "title": "Giới tính"},
        "cam_doan": {"const": True, "title": "Cam đoan"},
        "ghi_chu": {"type": "string"},
        "giay_to": {
            "type": "array", "title": "Giấy tờ", "minItems": 1, "maxItems": 3,
            "items": {
                "type": "object",
                "properties": {
                    "ten": {"type": "string", "title": "Tên giấy tờ"},
                    "so_ban": {"type": "integer", "title": "Số bản", "minimum": 1},
                },
                "required": ["ten", "so_ban"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["ho_ten", "tuoi"],
    "additionalProperties": False,
}

VALID = {
    "ho_ten": "Nguyễn Văn An",
    "tuoi": 30,
    "ty_le": 0.5,
    "so_cccd": "001234567890",
    "email": "an@example.vn",
    "ngay_sinh": "1995-02-28",
    "hen_luc": "2026-10-08T08:30:00+07:00",
    "gioi_tinh": "nam",
    "cam_doan": True,
    "giay_to": [{"ten": "Tờ khai", "so_ban": 1}],
}


def errors_for(**changes):
    data = dict(VALID)
    for key, value in changes.items():
        if value is _DROP:
            data.pop(key)
        else:
            data[key] = value
    return validate_form_data(SCHEMA, data)


_DROP = object()


def test_valid_data_gives_no_errors():
    assert validate_form_data(SCHEMA, VALID) == {}
    assert check_form_schema(SCHEMA) == []


def test_required_uses_title_and_missing_key():
    errors = errors_for(ho_ten=_DROP)
    assert errors == {"ho_ten": ["Trường «Họ và tên» là bắt buộc."]}


def test_type_integer():
    errors = errors_for(tuoi="ba mươi")
    assert errors == {"tuoi": ["Trường «Tuổi» phải là số nguyên."]}


def test_root_must_be_object():
    assert validate_form_data(SCHEMA, ["x"]) == {"_": ["Dữ liệu biểu mẫu phải là một đối tượng."]}


@pytest.mark.parametrize("field,value,expected", [
    ("tuoi", 12, "Trường «Tuổi» phải lớn hơn hoặc bằng 18."),
    ("tuoi", 121, "Trường «Tuổi» phải nhỏ hơn hoặc bằng 120."),
    ("ty_le", 0, "Trường «Tỷ lệ» phải lớn hơn 0."),
    ("ty_le", 1, "Trường «Tỷ lệ» phải nhỏ hơn 1."),
    ("ho_ten", "", "Trường «Họ và tên» không được để trống."),
    ("ho_ten", "x" * 51, "Trường «Họ và tên» không được dài quá 50 ký tự."),
    ("so_cccd", "12ab", "Trường «Số CCCD» không đúng định dạng quy định."),
    ("email", "khong-phai-email", "Trường «Thư điện tử» phải là địa chỉ thư điện tử hợp lệ."),
    ("cam_doan", False, "Trường «Cam đoan» phải được xác nhận (đánh dấu chọn)."),
    ("gioi_tinh", "khac", "Trường «Giới tính» phải là một trong: «nam», «nu»."),
    ("giay_to", [], "Trường «Giấy tờ» phải có ít nhất một mục."),
    ("giay_to", [{"ten": "a", "so_ban": 1}] * 4, "Trường «Giấy tờ» không được có quá 3 mục."),
])
def test_validator_messages(field, value, expected):
    assert errors_for(**{field: value}) == {field: [expected]}


@pytest.mark.parametrize("value", ["2025-02-30", "30/01/2025", "2025-1-5"])
def test_date_format(value):
    errors = errors_for(ngay_sinh=value)
    assert list(errors) == ["ngay_sinh"]
    assert errors["ngay_sinh"][0].startswith("Trường «Ngày sinh» phải là ngày hợp lệ")


def test_date_time_format_requires_offset():
    errors = errors_for(hen_luc="2026-10-08 08:30")
    assert list(errors) == ["hen_luc"]
    assert "thời điểm hợp lệ" in errors["hen_luc"][0]
    assert errors_for(hen_luc="2026-10-08T01:30:00Z") == {}


def test_additional_property_keyed_by_its_path():
    errors = errors_for(bi_mat="x")
    assert errors == {"bi_mat": ["Trường không được phép: bi_mat."]}


def test_nested_array_paths():
    errors = errors_for(giay_to=[{"ten": "Tờ khai", "so_ban": "2"}, {"so_ban": 0, "la": 1}, "x"])
    assert errors == {
        "giay_to.0.so_ban": ["Trường «Số bản» (dòng 1) phải là số nguyên."],
        "giay_to.1.so_ban": ["Trường «Số bản» (dòng 2) phải lớn hơn hoặc bằng 1."],
        "giay_to.1.ten": ["Trường «Tên giấy tờ» (dòng 2) là bắt buộc."],
        "giay_to.1.la": ["Trường không được phép: la."],
        "giay_to.2": ["Mục thứ 3 của «Giấy tờ» phải là một đối tượng."],
    }


def test_field_without_title_uses_its_name():
    assert errors_for(ghi_chu=5) == {"ghi_chu": ["Trường «ghi_chu» phải là chuỗi ký tự."]}


def test_messages_never_echo_the_value():
    secret = "0987654321-bi-mat"
    data = {key: secret for key in SCHEMA["properties"]}
    data["khac"] = secret
    errors = validate_form_data(SCHEMA, data)
    assert errors
    assert all(secret not in m for ms in errors.values() for m in ms)


def test_other_validators():
    schema = {
        "type": "object",
        "properties": {
            "ds": {"type": "array", "title": "Danh sách", "uniqueItems": True,
                   "contains": {"const": "chinh"}},
            "so": {"type": "integer", "title": "Số", "multipleOf": 5},
            "loai": {"const": "ca_nhan", "title": "Loại"},
            "lua_chon": {"title": "Lựa chọn", "anyOf": [{"type": "string"}, {"type": "null"}]},
            "cam": False,
            "ma": {"title": "Mã", "not": {"const": "000"}},
        },
        "dependentRequired": {"email": ["dien_thoai"]},
    }
    errors = validate_form_data(schema, {
        "ds": ["a", "a"], "so": 7, "loai": "to_chuc", "lua_chon": 3, "cam": 1,
        "ma": "000", "email": "a@b.vn"})
    assert errors == {
        "ds": ["Trường «Danh sách» không được có các mục trùng nhau.",
               "Trường «Danh sách» phải có ít nhất một mục đúng yêu cầu."],
        "so": ["Trường «Số» phải là bội số của 5."],
        "loai": ["Trường «Loại» phải có giá trị «ca_nhan»."],
        "lua_chon": ["Trường «Lựa chọn» phải là chuỗi ký tự hoặc để trống (null)."],
        "cam": ["Trường «cam» không được phép có trong dữ liệu."],
        "ma": ["Trường «Mã» có giá trị không được chấp nhận."],
        "dien_thoai": ["Trường «dien_thoai» là bắt buộc khi đã khai «email»."],
    }


def test_title_found_through_nested_required_and_ref():
    schema = {
        "type": "object",
        "$defs": {"dia_chi": {"type": "object",
                              "properties": {"tinh": {"type": "string", "title": "Tỉnh/Thành phố"}},
                              "required": ["tinh"]}},
        "properties": {"noi_o": {"$ref": "#/$defs/dia_chi", "title": "Nơi ở"}},
    }
    assert validate_form_data(schema, {"noi_o": {}}) == {
        "noi_o.tinh": ["Trường «Tỉnh/Thành phố» là bắt buộc."]}
    assert validate_form_data(schema, {"noi_o": 1}) == {
        "noi_o": ["Trường «Nơi ở» phải là một đối tượng."]}


def test_remote_ref_is_refused():
    problems = check_form_schema({"type": "object",
                                  "properties": {"a": {"$ref": "https://example.com/s.json"}}})
    assert len(problems) == 1
    assert "https://example.com/s.json" in problems[0]
    assert "ngoài" in problems[0]
    with pytest.raises(InvalidFormSchema):
        validate_form_data({"$ref": "https://example.com/s.json"}, {})


def test_relative_and_dangling_refs_are_refused():
    assert check_form_schema({"$ref": "other.json"})
    assert check_form_schema({"$ref": "#/$defs/khong_co"})
    assert check_form_schema({"$defs": {"a": {"type": "string"}}, "$ref": "#/$defs/a"}) == []


def test_invalid_schema_is_reported():
    problems = check_form_schema({"type": "chuoi", "properties": {"a": {"minLength": -1}}})
    assert len(problems) == 2
    assert any("«type»" in p for p in problems)
    assert any("«properties/a/minLength»" in p for p in problems)
    assert check_form_schema({"properties": {"a": {"pattern": "("}}})
    assert check_form_schema("not a schema")
    with pytest.raises(InvalidFormSchema) as info:
        validate_form_data({"type": 5}, {})
    assert info.value.problems


def test_other_drafts_refused():
    assert check_form_schema({"$schema": "http://json-schema.org/draft-07/schema#"})


def test_too_large_or_too_deep_schema_refused():
    deep: dict = {}
    node = deep
    for _ in range(100):
        node["not"] = {}
        node = node["not"]
    assert "sâu" in check_form_schema(deep)[0]
    big = {"type": "object",
           "properties": {f"f{i}": {"type": "string", "description": "x" * 200} for i in range(2000)}}
    assert "quá lớn" in check_form_schema(big)[0]


def test_validators_are_cached():
    from forms import validation

    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    validate_form_data(schema, {"a": 1})
    first = validation._compiled(schema)
    same = validation._compiled({"properties": {"a": {"type": "integer"}}, "type": "object"})
    assert first is same


def test_nested_id_refused_and_recursion_is_bounded():
    assert check_form_schema({"properties": {"a": {"$id": "http://x/a"}}})
    tree = {"type": "object", "properties": {"con": {"$ref": "#"}}}
    assert check_form_schema(tree) == []
    data: dict = {}
    node = data
    for _ in range(5000):
        node["con"] = {}
        node = node["con"]
    assert validate_form_data(tree, data) == {"_": ["Dữ liệu biểu mẫu lồng nhau quá sâu."]}
    assert validate_form_data(tree, {"con": {"con": 1}}) == {
        "con.con": ["Trường «con» phải là một đối tượng."]}
