/** Tiếng Việt. */
import type { MessageKey } from "./en.ts";

export const vi: Record<MessageKey, string> = {
  "app.title": "Thành phố Container",
  "lang.label": "Ngôn ngữ",
  "landing.tagline": "Cả lớp trở thành một cụm Kubernetes. Thiết bị của bạn là một tòa nhà trong thành phố.",
  "landing.code": "Mã lớp",
  "landing.name": "Biệt danh",
  "landing.namePlaceholder": "Tên mà cả lớp sẽ thấy",
  "landing.join": "Vào lớp",
  "landing.generate": "Đặt tên giúp tôi",
  "landing.host": "Tổ chức một lớp",
  "landing.joining": "Đang vào lớp…",
  "error.codeInvalid": "Mã lớp gồm 6 chữ cái và chữ số.",
  "conn.reconnecting": "Mất kết nối. Đang kết nối lại…",
  "conn.ended": "Lớp học đã kết thúc. Cảm ơn bạn đã tham gia!",
  "conn.kicked": "Giáo viên đã mời bạn ra khỏi lớp.",
  "conn.flooding": "Trang này đã gửi quá nhiều tin nhắn. Tải lại trang để vào lại.",
  "conn.lost": "Mất kết nối với lớp học.",
};
