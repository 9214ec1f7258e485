"""The report's words in English and Italian (the first shops are Italian)."""

from typing import Any

LABELS: dict[str, dict[str, Any]] = {
    "en": {
        "title": "Customer journey report",
        "period": "Period",
        "days": "days",
        "channel": "Channel",
        "all_channels": "all channels",
        "as_of": "Figures as of",
        "funnel_title": "Customers per stage now",
        "reached_title": "Reached in the period",
        "reached": "reached",
        "conversion": "from the previous stage",
        "movements_title": "Customers entering each stage per day",
        "flows_title": "What the flows did",
        "flow_col": "flow", "triggered": "started", "sent": "sent", "suppressed": "suppressed",
        "cancelled": "cancelled", "converted": "converted", "revenue": "revenue",
        "recovery": "Abandoned carts recovered",
        "reviews_title": "Reviews",
        "ratings_title": "Reviews by rating",
        "requests": "review requests sent", "received": "reviews received", "average": "average rating",
        "promoters": "★ and above",
        "delivery_title": "Delivery",
        "delivery_cols": ("channel", "sent", "delivered", "opened", "clicked", "bounced", "complained", "failed"),
        "hidden_customers": "The funnel and stage movements need the MANAGE_USERS permission.",
        "hidden_orders": "Flow results, reviews and delivery need the MANAGE_ORDERS permission.",
        "sign_out": "Sign out",
        "sign_in_title": "Sign in to the customer journey report",
        "sign_in_help": "Use your Saleor Dashboard staff email and password. You need the Manage users or Manage orders permission.",
        "email": "Email", "password": "Password", "sign_in": "Sign in",
        "paused_title": "Paused by the flood guard",
        "paused_help": "Its messages wait, none is lost; resume it once you know why it surged.",
        "resume": "Resume this flow",
        "sign_in_disabled": "This shop's Saleor settings allow staff no password sign-in (single sign-on only), "
        "so this page has none either. Tools can open it with a staff or app token in an "
        "'Authorization: Bearer <token>' header.",
        "wrong_credentials": "That email and password do not match an active staff account.",
        "too_many": "Too many attempts. Try again in 15 minutes.",
        "bad_token": "The token was refused (expired, revoked or not from this shop).",
        "forbidden": "Your account does not have the Manage users or Manage orders permission.",
        "bad_query": "Unknown period or channel: days must be 7, 30, 90 or 365 and a channel a slug.",
        "none": "–",
        "stage": {"awareness": "Awareness", "consideration": "Consideration", "purchase": "Purchase",
                  "retention": "Retention", "advocacy": "Advocacy", "lapsed": "Lapsed"},
        "flow": {"abandoned_cart": "Abandoned cart", "post_purchase": "Post-purchase", "review_request": "Review request",
                 "win_back": "Win-back", "welcome": "Welcome"},
        "other_language": "Italiano",
    },
    "it": {
        "title": "Report del percorso clienti",
        "period": "Periodo",
        "days": "giorni",
        "channel": "Canale",
        "all_channels": "tutti i canali",
        "as_of": "Dati aggiornati al",
        "funnel_title": "Clienti per fase, oggi",
        "reached_title": "Raggiunte nel periodo",
        "reached": "raggiunta",
        "conversion": "dalla fase precedente",
        "movements_title": "Clienti entrati in ogni fase, per giorno",
        "flows_title": "Risultati dei flussi",
        "flow_col": "flusso", "triggered": "avviati", "sent": "inviati", "suppressed": "soppressi",
        "cancelled": "annullati", "converted": "convertiti", "revenue": "ricavi",
        "recovery": "Carrelli abbandonati recuperati",
        "reviews_title": "Recensioni",
        "ratings_title": "Recensioni per voto",
        "requests": "richieste di recensione inviate", "received": "recensioni ricevute", "average": "voto medio",
        "promoters": "★ e oltre",
        "delivery_title": "Consegna",
        "delivery_cols": ("canale", "inviati", "consegnati", "aperti", "cliccati", "respinti", "segnalati", "falliti"),
        "hidden_customers": "Il funnel e i movimenti tra fasi richiedono il permesso MANAGE_USERS.",
        "hidden_orders": "Risultati dei flussi, recensioni e consegna richiedono il permesso MANAGE_ORDERS.",
        "sign_out": "Esci",
        "sign_in_title": "Accedi al report del percorso clienti",
        "sign_in_help": "Usa email e password del tuo account staff della Saleor Dashboard. Serve il permesso Gestione utenti o Gestione ordini.",
        "email": "Email", "password": "Password", "sign_in": "Accedi",
        "paused_title": "In pausa per la protezione dai picchi",
        "paused_help": "I suoi messaggi restano in attesa, nessuno va perso; riprendilo quando sai perché è esploso.",
        "resume": "Riprendi questo flusso",
        "sign_in_disabled": "Le impostazioni di Saleor di questo negozio non consentono allo staff l'accesso con "
        "password (solo single sign-on), quindi nemmeno questa pagina lo offre. Gli strumenti possono aprirla con "
        "un token di staff o di app nell'intestazione 'Authorization: Bearer <token>'.",
        "wrong_credentials": "Email e password non corrispondono a un account staff attivo.",
        "too_many": "Troppi tentativi. Riprova tra 15 minuti.",
        "bad_token": "Il token è stato rifiutato (scaduto, revocato o di un altro negozio).",
        "forbidden": "Il tuo account non ha il permesso Gestione utenti o Gestione ordini.",
        "bad_query": "Periodo o canale non validi: i giorni devono essere 7, 30, 90 o 365 e il canale uno slug.",
        "none": "–",
        "stage": {"awareness": "Scoperta", "consideration": "Valutazione", "purchase": "Acquisto",
                  "retention": "Fidelizzazione", "advocacy": "Promozione", "lapsed": "Inattivi"},
        "flow": {"abandoned_cart": "Carrello abbandonato", "post_purchase": "Dopo l'acquisto",
                 "review_request": "Richiesta di recensione", "win_back": "Riconquista", "welcome": "Benvenuto"},
        "other_language": "English",
    },
}


def language_of(asked: str | None, accept_language: str | None) -> str:
    """``lang`` when it is one we have, else the first of Accept-Language we have, else English."""
    if asked in LABELS:
        return asked
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LABELS:
            return code
    return "en"
