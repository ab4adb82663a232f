//! Hand-kept table definitions, portable across SQLite and PostgreSQL (see `migrations/`).

diesel::table! {
    regions (code) {
        code -> Text,
        name -> Text,
        name_en -> Text,
        parent -> Nullable<Text>,
    }
}

diesel::table! {
    units (code) {
        code -> Text,
        name -> Text,
        name_en -> Text,
        kind -> Text,
        region -> Text,
        parent -> Nullable<Text>,
        email -> Text,
    }
}

diesel::table! {
    categories (code) {
        code -> Text,
        name -> Text,
        name_en -> Text,
        kinds -> Text,
    }
}

diesel::table! {
    submissions (id) {
        id -> BigInt,
        tracking_code -> Text,
        access_key_hash -> Text,
        kind -> Text,
        category -> Text,
        channel -> Text,
        region -> Text,
        target_unit -> Nullable<Text>,
        title -> Nullable<Text>,
        body -> Text,
        reporter_sealed -> Nullable<Binary>,
        contact_index -> Nullable<Text>,
        anonymous -> Bool,
        lang -> Text,
        state -> Text,
        assigned_unit -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        routing_rule -> Nullable<Text>,
        routing_note -> Nullable<Text>,
        routing_note_en -> Nullable<Text>,
        dispatch_unit -> Nullable<Text>,
        due_at -> Nullable<Timestamp>,
        accept_deadline -> Nullable<Timestamp>,
        handle_deadline -> Nullable<Timestamp>,
        extension -> Text,
        extension_days -> Nullable<Integer>,
        outcome -> Nullable<Text>,
        result -> Nullable<Text>,
        merged_into -> Nullable<Text>,
        supervised -> Bool,
        overdue_for -> Nullable<Timestamp>,
        rating_until -> Nullable<Timestamp>,
        review_round -> Integer,
        event_id -> Nullable<BigInt>,
        kiosk_id -> Nullable<BigInt>,
        entered_by -> Nullable<Text>,
        received_day -> Integer,
        received_month -> Integer,
        accepted_day -> Nullable<Integer>,
        concluded_day -> Nullable<Integer>,
        on_time -> Nullable<Bool>,
        rating -> Nullable<Text>,
        publishable -> Bool,
        public_summary -> Nullable<Text>,
        public_answer -> Nullable<Text>,
        published_at -> Nullable<Timestamp>,
        lead_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    submission_events (id) {
        id -> BigInt,
        submission_id -> BigInt,
        at -> Timestamp,
        action -> Text,
        state -> Text,
        note -> Nullable<Text>,
        note_en -> Nullable<Text>,
        public -> Bool,
        actor -> Nullable<Text>,
        reason -> Nullable<Text>,
        unit -> Nullable<Text>,
        from_unit -> Nullable<Text>,
        deadline -> Nullable<Timestamp>,
        detail -> Nullable<Text>,
        received_day -> Integer,
    }
}

diesel::table! {
    contact_quota (contact_index, day) {
        contact_index -> Text,
        day -> Text,
        used -> Integer,
    }
}

diesel::joinable!(submission_events -> submissions (submission_id));
diesel::allow_tables_to_appear_in_same_query!(regions, units, categories, submissions, submission_events);

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        unit -> Text,
        role -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        email -> Nullable<Text>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        case_code -> Nullable<Text>,
        detail -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
        chain -> Text,
        seq -> BigInt,
        checkpoint -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_checkpoints (id) {
        id -> BigInt,
        sealed_at -> Timestamp,
        first_entry -> BigInt,
        last_entry -> BigInt,
        entries -> BigInt,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, api_tokens);

diesel::table! {
    staff_sessions (id) {
        id -> BigInt,
        id_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::joinable!(staff_sessions -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, staff_sessions);

diesel::table! {
    outbox (id) {
        id -> BigInt,
        template -> Text,
        recipient -> Text,
        case_code -> Nullable<Text>,
        payload -> Text,
        lang -> Text,
        status -> Text,
        attempts -> Integer,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        audience -> Text,
        recipient_sealed -> Nullable<Binary>,
        lease_owner -> Nullable<Text>,
    }
}

diesel::table! {
    ratings (id) {
        id -> BigInt,
        submission_id -> BigInt,
        round -> Integer,
        rating -> Text,
        comment -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (scope, idem_key) {
        scope -> Text,
        idem_key -> Text,
        request_hash -> Text,
        response_sealed -> Nullable<Binary>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        host_unit -> Text,
        title -> Text,
        place -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        visitors -> Integer,
        created_at -> Timestamp,
        /// Unguessable; the only id public URLs carry (nullable in SQLite's DDL, always set).
        public_id -> Text,
    }
}

diesel::table! {
    kiosks (id) {
        id -> BigInt,
        event_id -> BigInt,
        name -> Text,
        enrol_hash -> Nullable<Text>,
        credential_hash -> Nullable<Text>,
        enrolled_at -> Nullable<Timestamp>,
        revoked -> Bool,
        created_at -> Timestamp,
    }
}

diesel::joinable!(kiosks -> events (event_id));
diesel::allow_tables_to_appear_in_same_query!(events, kiosks, submissions);

diesel::table! {
    open311_keys (id) {
        id -> BigInt,
        name -> Text,
        key_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    open311_requests (submission_id) {
        submission_id -> BigInt,
        key_id -> BigInt,
        lat -> Nullable<Double>,
        long -> Nullable<Double>,
        address_string -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(open311_requests -> open311_keys (key_id));
diesel::joinable!(open311_requests -> submissions (submission_id));
diesel::allow_tables_to_appear_in_same_query!(open311_keys, open311_requests, submissions);

diesel::table! {
    case_fingerprints (submission_id) {
        submission_id -> BigInt,
        version -> Integer,
        signature -> Binary,
        indexed_at -> Timestamp,
    }
}

diesel::table! {
    case_bands (key, day, submission_id) {
        key -> BigInt,
        day -> Integer,
        submission_id -> BigInt,
    }
}

diesel::joinable!(case_fingerprints -> submissions (submission_id));
diesel::joinable!(case_bands -> submissions (submission_id));
diesel::allow_tables_to_appear_in_same_query!(case_fingerprints, case_bands, submissions);
