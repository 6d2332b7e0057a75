"""The simulation's figures as the console prints them (Vietnamese, as everything a user reads)."""
from __future__ import annotations

CHANNELS = {"direct": "trực tiếp", "online": "trực tuyến", "postal": "bưu chính"}


def _rate(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _points(value) -> str:
    """An indicator's points; none when its denominator is empty (N/A, as the national dashboard shows it)."""
    return "không áp dụng" if value is None else f"{value} điểm"


def text_report(result: dict) -> str:
    f = result["figures"]
    lines = [
        f"Mô phỏng từ {result['start']} đến {result['end']} trong {result['wall_seconds']} giây thực.",
        f"Thông lượng: {result['dossiers_per_second']} hồ sơ/giây, {result['steps_per_second']} bước/giây.",
        f"Hồ sơ tiếp nhận: {f['received']} ("
        + ", ".join(f"{CHANNELS.get(k, k)} {v}" for k, v in sorted(f["by_channel"].items()))
        + f"); bị từ chối vì quầy đóng cửa: {f['refused_at_desk']}.",
        f"Bước đã xử lý: {f['steps']} (đúng hạn {_rate(result['steps_on_time_rate'])}); "
        f"lỗi khi xử lý bước: {f['step_failures']}.",
        f"Yêu cầu bổ sung: {f['supplements_requested']}, đã bổ sung: {f['supplements']}; "
        f"xin lỗi, hẹn lại: {f['apologies']}; rút hồ sơ: {f['withdrawals']}; đã trả kết quả: {f['returned']}.",
        f"Tỷ lệ hồ sơ giải quyết đúng hạn (cách tính chỉ tiêu 2.1): {_rate(result['on_time_rate'])}.",
    ]
    for month, index in result["index766"].items():
        parts = ", ".join(f"{code}: {_rate(v['rate'])} → {_points(v['points'])}" for code, v in index["indicators"].items())
        lines.append(f"Chỉ số 766 tháng {month}: {index['total']}/{index['measured_max']} điểm đo được ({parts}).")
    return "\n".join(lines)
