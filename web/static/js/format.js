// How values read in Vietnamese: times in Vietnam's zone (+07:00, no daylight saving), labels.
const VN_OFFSET_MS = 7 * 3600 * 1000;
const pad = (n) => String(n).padStart(2, '0');

function vn(iso) {
  if (!iso) return null;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return null;
  return new Date(at.getTime() + VN_OFFSET_MS);
}

/** "09:00 ngày 25/11/2026" */
export function dateTime(iso) {
  const t = vn(iso);
  if (!t) return '';
  return `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())} ngày ${date(iso)}`;
}

/** "25/11/2026" */
export function date(iso) {
  const t = vn(iso);
  if (!t) return '';
  return `${pad(t.getUTCDate())}/${pad(t.getUTCMonth() + 1)}/${t.getUTCFullYear()}`;
}

/** A datetime-local input's value ("2026-11-25T09:00") as an instant in Vietnam's zone. */
export function localInputToInstant(value) {
  if (!value) return undefined;
  return `${value.length === 16 ? `${value}:00` : value}+07:00`;
}

export const STATUS = {
  processing: 'Đang giải quyết',
  supplement_requested: 'Chờ bổ sung hồ sơ',
  done: 'Đã có kết quả, chờ trả',
  returned: 'Đã trả kết quả',
  rejected: 'Từ chối giải quyết',
  stopped: 'Dừng giải quyết',
  withdrawn: 'Đã rút hồ sơ',
};

export const STATUS_TONE = {
  processing: 'info', supplement_requested: 'warn', done: 'ok', returned: 'ok',
  rejected: 'bad', stopped: 'bad', withdrawn: '',
};

export const CHANNEL = { direct: 'Trực tiếp', online: 'Trực tuyến', postal: 'Bưu chính' };

export const ROLE = {
  admin: 'Quản trị', designer: 'Thiết kế thủ tục', receiver: 'Một cửa (tiếp nhận)',
  specialist: 'Chuyên viên', leader: 'Lãnh đạo', auditor: 'Kiểm tra, giám sát',
};

export const LANE = { receiver: 'Bộ phận Một cửa', specialist: 'Chuyên viên', leader: 'Lãnh đạo' };

export function lane(value) {
  if (!value) return '';
  const [office, role] = value.includes(':') ? value.split(':', 2) : [null, value];
  const label = LANE[role] || role;
  return office ? `${label} (${office})` : label;
}

export const EVENT = {
  received: 'Tiếp nhận hồ sơ',
  step_ready: 'Chuyển bước xử lý',
  claimed: 'Nhận xử lý',
  unclaimed: 'Trả lại công việc',
  step_completed: 'Hoàn thành bước',
  step_cancelled: 'Hủy bước',
  supplement_requested: 'Yêu cầu bổ sung',
  supplemented: 'Nhận hồ sơ bổ sung',
  apology: 'Xin lỗi, hẹn lại',
  finished: 'Kết thúc xử lý',
  returned: 'Trả kết quả',
  rated: 'Người dân đánh giá',
  due_recomputed: 'Tính lại thời hạn',
  timer_fired: 'Hết thời gian chờ',
  apology_required: 'Sắp đến hạn, cần xin lỗi nếu trễ',
  overdue: 'Quá hạn',
  step_overdue: 'Bước quá hạn',
  result_issued: 'Đính kèm kết quả điện tử',
  payment_recorded: 'Ghi nhận phí, lệ phí',
  files_reused: 'Tra cứu tệp để tái sử dụng',
  migrated: 'Chuyển sang phiên bản mới của thủ tục',
};

export const DOCUMENTS = {
  receipt: 'Giấy tiếp nhận, hẹn trả kết quả',
  supplement: 'Phiếu yêu cầu bổ sung',
  refusal: 'Phiếu từ chối',
  apology: 'Văn bản xin lỗi và đề nghị gia hạn',
  stop: 'Thông báo dừng giải quyết',
  'control-slip': 'Phiếu kiểm soát quá trình',
};

export function money(value) {
  if (value === undefined || value === null || value === '') return '';
  return `${Number(value).toLocaleString('vi-VN')} đồng`;
}
