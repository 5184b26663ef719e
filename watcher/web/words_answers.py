"""The words of the pages alert links open (watcher/web/answers.py), English and Spanish."""

from __future__ import annotations

ANSWER_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "answer_account": "The account",
        "answer_platform": "Platform",
        "answer_handle": "Account",
        "answer_display_name": "Name shown",
        "answer_profile": "Profile",
        "answer_not_linked": "not linked: the address it gives is not on the platform's own website",
        "answer_reasons": "Why we think it may be pretending to be you",
        "answer_earlier_mine": "You already told us this account is yours, or not a problem.",
        "answer_earlier_impostor": "You already told us this account is someone pretending to be you.",
        "mine_title": "This account is mine, or not a problem",
        "mine_intro": (
            "Press the button to tell us so. We will add this account to your own accounts: it will not be "
            "reported to you again, and the communications office sees your answer."
        ),
        "mine_button": "Yes, this account is mine, or not a problem",
        "impostor_title": "Someone is pretending to be me",
        "impostor_intro": (
            "Press the button to tell us this account is someone pretending to be you. The communications "
            "office sees your answer, and the next page shows how to report the account to the platform."
        ),
        "impostor_button": "Yes, this is someone pretending to be me",
        "unsubscribe_title": "Stop these alerts",
        "unsubscribe_intro": "Identity Watch sends alerts about accounts that may be impersonating you to:",
        "unsubscribe_explain": (
            "If you stop them, you get no more alerts. Accounts that copy you are still found, and the "
            "communications office still sees them. You can turn alerts back on at any time."
        ),
        "unsubscribe_already": "Your alerts are already stopped.",
        "unsubscribe_button": "Stop my alerts",
        "answered_mine_title": "Thank you: noted",
        "answered_mine_text": (
            "This account is now one of your own accounts. It will not be reported to you again, and no alert "
            "will speak of it. The communications office sees your answer."
        ),
        "answered_mine_noted_title": "Thank you: noted",
        "answered_mine_noted_text": (
            "Your answer is kept with the finding for the communications office, which had already looked at this"
            " account (or another employee lists it as theirs): it will get back to you if it needs to."
        ),
        "answered_impostor_title": "Thank you: now report the account",
        "answered_impostor_text": (
            "The communications office sees your answer. On most platforms only the person impersonated can "
            "report an account: the district cannot do it for you. It takes a few minutes."
        ),
        "report_steps": "How to report it",
        "report_needs": "What the platform will want",
        "report_profile": "The account's profile",
        "evidence_link": "The evidence page",
        "evidence_hint": (
            "One page showing the account as Identity Watch saw it, why it matched and when it was first "
            "seen. Save it or print it, and attach it to your report."
        ),
        "answered_unsubscribe_title": "Alerts paused",
        "answered_unsubscribe_text": (
            "You will get no more alerts from Identity Watch. Accounts that copy you are still found, and the "
            "communications office still sees them."
        ),
        "answered_unsubscribe_manage": (
            "To turn alerts back on, or to leave Identity Watch (which deletes your photos' hashes, your "
            "accounts and your details), ask for a link to manage your enrolment on the sign-up page."
        ),
        "sign_up_page": "The sign-up page",
        "one_click_done": "Alerts paused: you will get no more alerts from Identity Watch.",
        "answer_link_invalid_title": "This link does not work",
        "answer_link_invalid_text": (
            "It has expired, it was changed, or it was made for another page. Links in alerts work for "
            "30 days (the one to stop alerts, 90 days). You can ask for a fresh link to manage your "
            "enrolment on the sign-up page, or contact the communications office."
        ),
        "answer_finding_gone_title": "Nothing to answer here",
        "answer_finding_gone_text": (
            "This account is not among the ones found for you any more. The communications office can tell you more."
        ),
    },
    "es": {
        "answer_account": "La cuenta",
        "answer_platform": "Plataforma",
        "answer_handle": "Cuenta",
        "answer_display_name": "Nombre que muestra",
        "answer_profile": "Perfil",
        "answer_not_linked": "sin enlace: la dirección que da no está en el sitio web de la plataforma",
        "answer_reasons": "Por qué creemos que podría hacerse pasar por usted",
        "answer_earlier_mine": "Ya nos dijo que esta cuenta es suya, o que no es un problema.",
        "answer_earlier_impostor": "Ya nos dijo que esta cuenta es alguien que se hace pasar por usted.",
        "mine_title": "Esta cuenta es mía, o no es un problema",
        "mine_intro": (
            "Pulse el botón para decírnoslo. Añadiremos esta cuenta a sus propias cuentas: no se le volverá a "
            "avisar de ella, y la oficina de comunicaciones verá su respuesta."
        ),
        "mine_button": "Sí, esta cuenta es mía, o no es un problema",
        "impostor_title": "Alguien se hace pasar por mí",
        "impostor_intro": (
            "Pulse el botón para decirnos que esta cuenta es alguien que se hace pasar por usted. La oficina "
            "de comunicaciones verá su respuesta, y la página siguiente explica cómo denunciar la cuenta en "
            "la plataforma."
        ),
        "impostor_button": "Sí, es alguien que se hace pasar por mí",
        "unsubscribe_title": "Dejar de recibir estos avisos",
        "unsubscribe_intro": "Identity Watch envía los avisos sobre cuentas que podrían suplantarle a:",
        "unsubscribe_explain": (
            "Si los detiene, no recibirá más avisos. Las cuentas que le copian se siguen detectando, y la "
            "oficina de comunicaciones las sigue viendo. Puede volver a activar los avisos cuando quiera."
        ),
        "unsubscribe_already": "Sus avisos ya están detenidos.",
        "unsubscribe_button": "Detener mis avisos",
        "answered_mine_title": "Gracias: anotado",
        "answered_mine_text": (
            "Esta cuenta es ahora una de sus propias cuentas. No se le volverá a avisar de ella, y ningún "
            "aviso hablará de ella. La oficina de comunicaciones ve su respuesta."
        ),
        "answered_mine_noted_title": "Gracias: anotado",
        "answered_mine_noted_text": (
            "Su respuesta queda guardada con el hallazgo para la oficina de comunicaciones, que ya había revisado"
            " esta cuenta (u otro empleado la tiene como suya): se pondrá en contacto con usted si hace falta."
        ),
        "answered_impostor_title": "Gracias: ahora denuncie la cuenta",
        "answered_impostor_text": (
            "La oficina de comunicaciones ve su respuesta. En la mayoría de las plataformas solo la persona "
            "suplantada puede denunciar una cuenta: el distrito no puede hacerlo por usted. Se tarda unos "
            "minutos."
        ),
        "report_steps": "Cómo denunciarla",
        "report_needs": "Lo que pedirá la plataforma",
        "report_profile": "El perfil de la cuenta",
        "evidence_link": "La página de pruebas",
        "evidence_hint": (
            "Una página que muestra la cuenta tal como la vio Identity Watch, por qué coincidió y cuándo se "
            "vio por primera vez. Guárdela o imprímala, y adjúntela a su denuncia."
        ),
        "answered_unsubscribe_title": "Avisos detenidos",
        "answered_unsubscribe_text": (
            "No recibirá más avisos de Identity Watch. Las cuentas que le copian se siguen detectando, y la "
            "oficina de comunicaciones las sigue viendo."
        ),
        "answered_unsubscribe_manage": (
            "Para volver a activar los avisos, o para darse de baja de Identity Watch (lo que borra las huellas "
            "de sus fotos, sus cuentas y sus datos), pida un enlace para gestionar su inscripción en la "
            "página de inscripción."
        ),
        "sign_up_page": "La página de inscripción",
        "one_click_done": "Avisos detenidos: no recibirá más avisos de Identity Watch.",
        "answer_link_invalid_title": "Este enlace no funciona",
        "answer_link_invalid_text": (
            "Ha caducado, se ha modificado o se hizo para otra página. Los enlaces de los avisos funcionan "
            "30 días (el de dejar de recibir avisos, 90 días). Puede pedir un enlace nuevo para gestionar su "
            "inscripción en la página de inscripción, o escribir a la oficina de comunicaciones."
        ),
        "answer_finding_gone_title": "Aquí no hay nada que responder",
        "answer_finding_gone_text": (
            "Esta cuenta ya no está entre las detectadas para usted. La oficina de comunicaciones puede darle "
            "más información."
        ),
    },
}
