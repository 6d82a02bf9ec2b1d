/** English messages. Every key here must exist in every other catalog (a test checks). */
export const en = {
  "app.title": "Container City",
  "lang.label": "Language",
  "landing.tagline": "Your class becomes a Kubernetes cluster. Your device is a building in the city.",
  "landing.code": "Class code",
  "landing.name": "Nickname",
  "landing.namePlaceholder": "How the class will see you",
  "landing.join": "Join the class",
  "landing.generate": "Give me a name",
  "landing.host": "Host a class",
  "landing.joining": "Joining…",
  "error.codeInvalid": "A class code has 6 letters and digits.",
  "conn.reconnecting": "Connection lost. Reconnecting…",
  "conn.ended": "The class has ended. Thank you for playing!",
  "conn.kicked": "The teacher removed you from the class.",
  "conn.flooding": "Too many messages were sent from this page. Reload to join again.",
  "conn.lost": "The connection to the class was lost.",
} as const;

export type MessageKey = keyof typeof en;
