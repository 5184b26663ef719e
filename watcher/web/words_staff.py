"""The words of the sign-up, enrolment and manage pages (watcher/web/staff.py), English and Spanish.

Plain text only (templates escape it); ``{name}``-style fields are filled with ``str.format``.
The Spanish addresses the reader as "usted"."""

from __future__ import annotations

STAFF_WORDS: dict[str, dict[str, str]] = {
    "en": {
        # sign-up
        "sign_up_title": "Enrol in Identity Watch, or manage your enrolment",
        "sign_up_intro": (
            "Identity Watch looks at public social-media profiles for accounts that pretend to be {district} staff,"
            " and tells you when one seems to pretend to be you."
        ),
        "sign_up_how": (
            "Enter your district e-mail address. We will send you a link to enrol, or to change or end your enrolment."
        ),
        "email_label": "Your district e-mail address",
        "send_link": "Send me a link",
        "email_malformed": "That is not an e-mail address. Check it and try again.",
        "session_expired": "Your session has ended. Ask for a new link to continue.",
        "signed_in_as": "You are signed in as {name}.",
        "go_manage": "Manage my enrolment",
        "signed_out": "You are signed out.",
        "sent_title": "Check your e-mail",
        "sent_text": (
            "If this address belongs to a member of the district's staff, we have just sent it a link."
            " The link works once, for 24 hours."
        ),
        "sent_hint": "Nothing after a few minutes? Look in your spam folder, or ask again a little later.",
        "ask_again": "Ask for another link",
        # the link
        "sign_in_title": "Continue to Identity Watch",
        "sign_in_text": "This link lets you enrol in Identity Watch, or manage your enrolment. It works once.",
        "continue": "Continue",
        "link_invalid_title": "This link no longer works",
        "link_invalid_text": ("A link works once, for 24 hours. Ask for a new link: it takes a minute."),
        "ask_new_link": "Ask for a new link",
        # enrolment and consent
        "enrol_title": "Enrol in Identity Watch",
        "enrol_skip": (
            "The district already enrolled you from its staff list. Only want to stop alerts, change your language"
            " or leave? Go to the manage page instead:"
        ),
        "roster_only_note": (
            "The district enrolled you from its staff list; you have not enrolled yourself. Enrol to give your own"
            " photos and accounts and to read what is kept:"
        ),
        "hello": "Hello, {name}.",
        "consent_heading": "Before you enrol: what it means",
        "consent_what_heading": "What we keep about you",
        "consent_what_name": "Your name, as it is on the district's staff roster.",
        "consent_what_photos": (
            "Hashes of your photos: numbers computed from them that let us recognise your face in a profile picture."
            " Never the photos themselves: they are deleted as soon as the hashes are made."
        ),
        "consent_what_accounts": "The social-media accounts you list below as your own.",
        "consent_why_heading": "Why",
        "consent_why": (
            "The district's social-media guidelines advise checking periodically that one's identity has not been"
            " compromised. Nobody can do that by hand for every employee: Identity Watch does it for you, on the"
            " public platforms it watches."
        ),
        "consent_who_heading": "Who sees what is found",
        "consent_who": "Only you and the district's communications office.",
        "consent_keep_heading": "How long things are kept",
        "consent_keep_enrolled": "Your name, photo hashes and accounts: while you are enrolled.",
        "consent_keep_findings": (
            "What a finding is based on (a profile as we saw it): {days} days after the finding is closed."
        ),
        "consent_keep_observations": "Profiles we looked at that never became a finding: {days} days.",
        "consent_leave_heading": "How to leave",
        "consent_leave": (
            'At any time, on the page "Manage my enrolment" (ask for a link on the start page). Leaving deletes your'
            " photo hashes and accounts at once, and removes your name from anything that was found. We keep only a"
            " coded mark of your address, so that the next import of the staff list does not enrol you again."
        ),
        "photos_label": "Your photos (1 to 3)",
        "photos_hint": (
            "Clear photos of your face, like the one on your staff badge. JPEG, PNG, GIF or WebP, up to 10 MB each."
            " The preview stays in your browser; on our server the photos are turned into hashes and deleted."
        ),
        "preview_too_many": "Choose at most 3 photos.",
        "preview_too_big": "A photo is larger than 10 MB.",
        "accounts_label": "Your own social-media accounts (optional)",
        "accounts_hint": (
            "One a line, written platform:handle, e.g. bluesky:jdoe.bsky.social (at most {max}). We never report these"
            " as impostors, and we can tell you if the district's logo appears on them."
        ),
        "alerts_label": "E-mail alerts",
        "alerts_on": "Send me an e-mail when a profile seems to pretend to be me",
        "alerts_off": "Not now (you can turn them on later)",
        "language_label": "Language of your e-mails and pages",
        "agree_label": "I have read the above and I agree to take part.",
        "finish": "Enrol",
        "photos_again": "For your privacy, photos are not kept after an error: choose them again.",
        # errors on the forms
        "consent_missing": "Tick the box to say that you agree (or simply close this page if you do not).",
        "choose_alerts": "Choose whether you want e-mail alerts.",
        "choose_language": "Choose English or Spanish.",
        "photos_missing": "Choose at least one photo.",
        "photos_too_many": "Choose at most 3 photos.",
        "photo_empty": "The photo {name} is empty.",
        "photo_too_big": "The photo {name} is larger than 10 MB.",
        "photo_unreadable": (
            "The photo {name} cannot be used: it must be a JPEG, PNG, GIF or WebP image of at most {megapixels}"
            " megapixels."
        ),
        "account_malformed": (
            "Line {line} of your accounts is not written platform:handle (e.g. bluesky:jdoe.bsky.social)."
        ),
        "accounts_too_many": "List at most {max} accounts.",
        "account_taken": (
            "{account} is listed as another employee's own account, or was found posing as one. If it is yours,"
            " ask the communications office."
        ),
        # manage
        "enrolled_flash": "You are enrolled. You can change anything here, or leave, at any time.",
        "manage_title": "Manage my enrolment",
        "summary_heading": "Your enrolment",
        "summary_name": "Name",
        "summary_photos": "Photos",
        "summary_photos_value": "{count}, kept as hashes only",
        "summary_accounts": "Your accounts",
        "summary_no_accounts": "none listed",
        "summary_alerts": "E-mail alerts",
        "alerts_state_on": "on",
        "alerts_state_off": "paused",
        "summary_language": "Language",
        "replace_photos_heading": "Replace your photos",
        "replace_photos_hint": "The new photos replace all those you enrolled before.",
        "replace_photos": "Replace photos",
        "edit_accounts_heading": "Your own accounts",
        "edit_accounts_hint": "The list replaces the one you gave before.",
        "save_accounts": "Save accounts",
        "save_alerts": "Save",
        "save_language": "Save",
        "leave_link": "Leave Identity Watch",
        "photos_replaced_flash": "Your photos were replaced.",
        "accounts_saved_flash": "Your accounts were saved.",
        "alerts_on_flash": "Alerts are on.",
        "alerts_paused_flash": "Alerts are paused: we will not e-mail you until you turn them on again.",
        "language_saved_flash": "From now on we write to you in English.",
        # leave
        "leave_title": "Leave Identity Watch",
        "leave_text": (
            "Leaving deletes at once your photo hashes, the accounts you listed, the e-mails we sent you, and your"
            " name from anything that was found. Profiles that pretended to be you stay in the communications"
            " office's records, without your name."
        ),
        "leave_button": "Leave and delete my data",
        "leave_cancel": "Cancel",
        "left_title": "You have left Identity Watch",
        "left_text": (
            "We deleted your photo hashes, your accounts and the e-mails we sent you, and removed your name from"
            " {findings} finding(s). You will receive no more alerts."
        ),
        "left_again": (
            "The next import of the district's staff list will not enrol you again. To take part again later, ask"
            " the district's IT staff to add you back, then sign up on the start page."
        ),
    },
    "es": {
        # sign-up
        "sign_up_title": "Inscribirse en Identity Watch o gestionar su inscripción",
        "sign_up_intro": (
            "Identity Watch revisa los perfiles públicos de las redes sociales en busca de cuentas que se hacen pasar"
            " por personal de {district}, y le avisa cuando una parece hacerse pasar por usted."
        ),
        "sign_up_how": (
            "Escriba su dirección de correo electrónico del distrito. Le enviaremos un enlace para inscribirse, o para"
            " cambiar o terminar su inscripción."
        ),
        "email_label": "Su dirección de correo electrónico del distrito",
        "send_link": "Enviarme un enlace",
        "email_malformed": "Eso no es una dirección de correo electrónico. Revísela e inténtelo de nuevo.",
        "session_expired": "Su sesión ha terminado. Pida un enlace nuevo para continuar.",
        "signed_in_as": "Ha iniciado sesión como {name}.",
        "go_manage": "Gestionar mi inscripción",
        "signed_out": "Ha cerrado la sesión.",
        "sent_title": "Revise su correo electrónico",
        "sent_text": (
            "Si esta dirección pertenece a un miembro del personal del distrito, acabamos de enviarle un enlace."
            " El enlace funciona una sola vez, durante 24 horas."
        ),
        "sent_hint": (
            "¿No le ha llegado nada en unos minutos? Revise la carpeta de correo no deseado, o vuelva a pedirlo"
            " un poco más tarde."
        ),
        "ask_again": "Pedir otro enlace",
        # the link
        "sign_in_title": "Continuar a Identity Watch",
        "sign_in_text": (
            "Este enlace le permite inscribirse en Identity Watch o gestionar su inscripción. Funciona una sola vez."
        ),
        "continue": "Continuar",
        "link_invalid_title": "Este enlace ya no funciona",
        "link_invalid_text": (
            "Un enlace funciona una sola vez, durante 24 horas. Pida un enlace nuevo: solo tarda un minuto."
        ),
        "ask_new_link": "Pedir un enlace nuevo",
        # enrolment and consent
        "enrol_title": "Inscribirse en Identity Watch",
        "enrol_skip": (
            "El distrito ya le inscribió a partir de su lista de personal. ¿Solo quiere dejar de recibir avisos,"
            " cambiar el idioma o darse de baja? Vaya a la página de gestión:"
        ),
        "roster_only_note": (
            "El distrito le inscribió a partir de su lista de personal; usted aún no se ha inscrito. Inscríbase"
            " para dar sus propias fotos y cuentas y leer qué se guarda:"
        ),
        "hello": "Hola, {name}.",
        "consent_heading": "Antes de inscribirse: lo que significa",
        "consent_what_heading": "Lo que guardamos sobre usted",
        "consent_what_name": "Su nombre, tal como figura en la lista de personal del distrito.",
        "consent_what_photos": (
            "Huellas (hashes) de sus fotos: números calculados a partir de ellas que nos permiten reconocer su cara en"
            " una foto de perfil. Nunca las fotos mismas: se borran en cuanto se calculan las huellas."
        ),
        "consent_what_accounts": "Las cuentas de redes sociales que usted indique abajo como suyas.",
        "consent_why_heading": "Por qué",
        "consent_why": (
            "Las pautas del distrito sobre redes sociales aconsejan comprobar periódicamente que nadie ha usurpado la"
            " identidad de uno. Nadie puede hacerlo a mano para cada empleado: Identity Watch lo hace por usted en"
            " las plataformas públicas que vigila."
        ),
        "consent_who_heading": "Quién ve lo que se encuentra",
        "consent_who": "Solo usted y la oficina de comunicaciones del distrito.",
        "consent_keep_heading": "Cuánto tiempo se guarda",
        "consent_keep_enrolled": "Su nombre, las huellas de sus fotos y sus cuentas: mientras mantenga su inscripción.",
        "consent_keep_findings": (
            "Aquello en lo que se basa un hallazgo (un perfil tal como lo vimos): {days} días después de cerrarse"
            " el hallazgo."
        ),
        "consent_keep_observations": "Los perfiles que revisamos y que nunca dieron lugar a un hallazgo: {days} días.",
        "consent_leave_heading": "Cómo darse de baja",
        "consent_leave": (
            "En cualquier momento, en la página «Gestionar mi inscripción» (pida un enlace en la página de inicio)."
            " Al darse de baja se borran en el acto las huellas de sus fotos y sus cuentas, y se quita su nombre de"
            " todo lo encontrado. Solo guardamos una marca cifrada de su dirección, para que la próxima importación"
            " de la lista de personal no vuelva a inscribirle."
        ),
        "photos_label": "Sus fotos (de 1 a 3)",
        "photos_hint": (
            "Fotos claras de su cara, como la de su credencial del distrito. JPEG, PNG, GIF o WebP, de hasta 10 MB"
            " cada una."
            " La vista previa se queda en su navegador; en nuestro servidor las fotos se convierten en huellas y se"
            " borran."
        ),
        "preview_too_many": "Elija 3 fotos como máximo.",
        "preview_too_big": "Una foto pesa más de 10 MB.",
        "accounts_label": "Sus propias cuentas de redes sociales (opcional)",
        "accounts_hint": (
            "Una por línea, escrita plataforma:usuario, por ejemplo bluesky:jdoe.bsky.social (como máximo {max})."
            " Nunca las señalaremos como impostoras, y podremos avisarle si el logotipo del distrito aparece en ellas."
        ),
        "alerts_label": "Avisos por correo electrónico",
        "alerts_on": "Enviarme un correo cuando un perfil parezca hacerse pasar por mí",
        "alerts_off": "Ahora no (puede activarlos más adelante)",
        "language_label": "Idioma de sus correos y páginas",
        "agree_label": "He leído lo anterior y acepto participar.",
        "finish": "Inscribirme",
        "photos_again": "Por su privacidad, las fotos no se guardan tras un error: elíjalas de nuevo.",
        # errors on the forms
        "consent_missing": "Marque la casilla para indicar que está de acuerdo (o simplemente cierre esta página).",
        "choose_alerts": "Indique si desea recibir avisos por correo electrónico.",
        "choose_language": "Elija inglés o español.",
        "photos_missing": "Elija al menos una foto.",
        "photos_too_many": "Elija 3 fotos como máximo.",
        "photo_empty": "La foto {name} está vacía.",
        "photo_too_big": "La foto {name} pesa más de 10 MB.",
        "photo_unreadable": (
            "La foto {name} no se puede usar: debe ser una imagen JPEG, PNG, GIF o WebP de {megapixels} megapíxeles"
            " como máximo."
        ),
        "account_malformed": (
            "La línea {line} de sus cuentas no está escrita plataforma:usuario (por ejemplo bluesky:jdoe.bsky.social)."
        ),
        "accounts_too_many": "Indique {max} cuentas como máximo.",
        "account_taken": (
            "{account} figura como cuenta propia de otro empleado, o se detectó haciéndose pasar por uno. Si es"
            " suya, consulte a la oficina de comunicaciones."
        ),
        # manage
        "enrolled_flash": (
            "Su inscripción está completa. Puede cambiar cualquier cosa aquí, o darse de baja, cuando quiera."
        ),
        "manage_title": "Gestionar mi inscripción",
        "summary_heading": "Su inscripción",
        "summary_name": "Nombre",
        "summary_photos": "Fotos",
        "summary_photos_value": "{count}, guardadas solo como huellas",
        "summary_accounts": "Sus cuentas",
        "summary_no_accounts": "ninguna",
        "summary_alerts": "Avisos por correo electrónico",
        "alerts_state_on": "activados",
        "alerts_state_off": "en pausa",
        "summary_language": "Idioma",
        "replace_photos_heading": "Cambiar sus fotos",
        "replace_photos_hint": "Las fotos nuevas sustituyen a todas las que inscribió antes.",
        "replace_photos": "Cambiar las fotos",
        "edit_accounts_heading": "Sus propias cuentas",
        "edit_accounts_hint": "La lista sustituye a la que indicó antes.",
        "save_accounts": "Guardar las cuentas",
        "save_alerts": "Guardar",
        "save_language": "Guardar",
        "leave_link": "Darse de baja de Identity Watch",
        "photos_replaced_flash": "Sus fotos se han cambiado.",
        "accounts_saved_flash": "Sus cuentas se han guardado.",
        "alerts_on_flash": "Los avisos están activados.",
        "alerts_paused_flash": "Los avisos están en pausa: no le escribiremos hasta que los vuelva a activar.",
        "language_saved_flash": "A partir de ahora le escribiremos en español.",
        # leave
        "leave_title": "Darse de baja de Identity Watch",
        "leave_text": (
            "Al darse de baja se borran en el acto las huellas de sus fotos, las cuentas que indicó, los correos que"
            " le enviamos y su nombre de todo lo encontrado. Los perfiles que se hicieron pasar por usted siguen en"
            " los registros de la oficina de comunicaciones, sin su nombre."
        ),
        "leave_button": "Darme de baja y borrar mis datos",
        "leave_cancel": "Cancelar",
        "left_title": "Se ha dado de baja de Identity Watch",
        "left_text": (
            "Hemos borrado las huellas de sus fotos, sus cuentas y los correos que le enviamos, y hemos quitado su"
            " nombre de {findings} hallazgo(s). No recibirá más avisos."
        ),
        "left_again": (
            "La próxima importación de la lista de personal del distrito no volverá a inscribirle. Si más adelante"
            " quiere volver a participar, pida al personal de informática del distrito que le vuelva a añadir y"
            " luego inscríbase en la página de inicio."
        ),
    },
}
