-- The groupware's daily work (AP5): tasks and assignments, meeting rooms
-- and their bookings (docs/decisions/0027-tasks-and-room-bookings.md).

-- A task, on its own or from a registered document, in a unit.
CREATE TABLE groupware_tasks (
    id uuid PRIMARY KEY,
    version integer NOT NULL CHECK (version >= 1),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    title_folded text COLLATE "C" NOT NULL,
    description text CHECK (length(description) <= 5000),
    document_id uuid REFERENCES correspondence (id),
    priority text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    deadline date,
    status text NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    progress integer NOT NULL CHECK (progress BETWEEN 0 AND 100),
    completed_on date,
    created_at timestamptz NOT NULL,
    created_by uuid REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    CHECK ((status = 'done') = (completed_on IS NOT NULL)),
    CHECK (status <> 'done' OR progress = 100)
);
CREATE INDEX groupware_tasks_recent ON groupware_tasks (created_at DESC, id DESC);
CREATE INDEX groupware_tasks_open_deadline ON groupware_tasks (deadline) WHERE status IN ('open', 'in_progress');
CREATE INDEX groupware_tasks_document ON groupware_tasks (document_id) WHERE document_id IS NOT NULL;

CREATE TABLE groupware_task_assignees (
    task_id uuid NOT NULL REFERENCES groupware_tasks (id),
    user_id uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (task_id, user_id)
);
CREATE INDEX groupware_task_assignees_user ON groupware_task_assignees (user_id, task_id);

-- Progress reports, oldest first; never rewritten.
CREATE TABLE groupware_task_reports (
    id uuid PRIMARY KEY,
    task_id uuid NOT NULL REFERENCES groupware_tasks (id),
    progress integer NOT NULL CHECK (progress BETWEEN 0 AND 100),
    status text NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    note text CHECK (length(note) <= 2000),
    recorded_at timestamptz NOT NULL,
    recorded_by uuid REFERENCES users (id)
);
CREATE INDEX groupware_task_reports_task ON groupware_task_reports (task_id, recorded_at, id);

-- A meeting room of a unit, with what it holds.
CREATE TABLE meeting_rooms (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    location text CHECK (length(location) <= 500),
    capacity integer NOT NULL CHECK (capacity BETWEEN 1 AND 2000),
    equipment text[] NOT NULL CHECK (equipment <@ ARRAY['projector', 'screen', 'video_conference',
        'sound_system', 'whiteboard', 'interpretation']::text[]),
    created_at timestamptz NOT NULL,
    created_by uuid REFERENCES users (id),
    UNIQUE (organization_id, name)
);

-- Bookings: a confirmed booking holds its room for [starts_at, ends_at);
-- two confirmed bookings of one room never overlap, whatever races
-- (the exclusion constraint decides, under its own index).
CREATE TABLE room_bookings (
    id uuid PRIMARY KEY,
    version integer NOT NULL CHECK (version >= 1),
    room_id uuid NOT NULL REFERENCES meeting_rooms (id),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    attendees integer NOT NULL CHECK (attendees >= 1),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    status text NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    booked_by uuid REFERENCES users (id),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (ends_at > starts_at),
    CONSTRAINT room_bookings_no_overlap EXCLUDE USING gist
        (room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (status = 'confirmed')
);

GRANT SELECT, INSERT, UPDATE ON groupware_tasks TO odb_app;
GRANT SELECT, INSERT, DELETE ON groupware_task_assignees TO odb_app;
GRANT SELECT, INSERT ON groupware_task_reports, meeting_rooms TO odb_app;
GRANT SELECT, INSERT, UPDATE ON room_bookings TO odb_app;

-- Whether the groupware user is assigned to the task.
CREATE FUNCTION odb_groupware_task_assigned(task uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT EXISTS (SELECT 1 FROM groupware_task_assignees a
        WHERE a.task_id = task AND a.user_id = odb_groupware_user()) $$;
GRANT EXECUTE ON FUNCTION odb_groupware_task_assigned(uuid) TO odb_app;

-- Where a visible task's unit sits, for its audit entries and the
-- writers' check: an assignee working elsewhere cannot read the unit.
CREATE FUNCTION odb_task_path(task uuid) RETURNS ltree
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT o.path FROM groupware_tasks t JOIN organizations o ON o.id = t.organization_id
        WHERE t.id = task AND (o.path <@ ANY (odb_read_scope()) OR odb_groupware_task_assigned(t.id)) $$;
GRANT EXECUTE ON FUNCTION odb_task_path(uuid) TO odb_app;

-- A task shows inside the groupware scope over its unit, and to its
-- assignees wherever they work; they report on it.
ALTER TABLE groupware_tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE groupware_tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY groupware_tasks_read ON groupware_tasks FOR SELECT TO odb_app USING (
    EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_read_scope()))
    OR odb_groupware_task_assigned(id));
CREATE POLICY groupware_tasks_insert ON groupware_tasks FOR INSERT TO odb_app WITH CHECK (
    EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope())));
CREATE POLICY groupware_tasks_update ON groupware_tasks FOR UPDATE TO odb_app
    USING (EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope()))
           OR odb_groupware_task_assigned(id))
    WITH CHECK (EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope()))
                OR odb_groupware_task_assigned(id));

ALTER TABLE groupware_task_assignees ENABLE ROW LEVEL SECURITY;
ALTER TABLE groupware_task_assignees FORCE ROW LEVEL SECURITY;
CREATE POLICY groupware_task_assignees_follow ON groupware_task_assignees FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM groupware_tasks t WHERE t.id = task_id))
    WITH CHECK (EXISTS (SELECT 1 FROM groupware_tasks t WHERE t.id = task_id));
ALTER TABLE groupware_task_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE groupware_task_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY groupware_task_reports_follow ON groupware_task_reports FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM groupware_tasks t WHERE t.id = task_id))
    WITH CHECK (EXISTS (SELECT 1 FROM groupware_tasks t WHERE t.id = task_id));

-- Rooms show to groupware users over their unit, who book them; only
-- writers over the unit add rooms.
ALTER TABLE meeting_rooms ENABLE ROW LEVEL SECURITY;
ALTER TABLE meeting_rooms FORCE ROW LEVEL SECURITY;
CREATE POLICY meeting_rooms_read ON meeting_rooms FOR SELECT TO odb_app USING (
    EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_read_scope())));
CREATE POLICY meeting_rooms_insert ON meeting_rooms FOR INSERT TO odb_app WITH CHECK (
    EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope())));
ALTER TABLE room_bookings ENABLE ROW LEVEL SECURITY;
ALTER TABLE room_bookings FORCE ROW LEVEL SECURITY;
CREATE POLICY room_bookings_follow ON room_bookings FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM meeting_rooms r WHERE r.id = room_id))
    WITH CHECK (EXISTS (SELECT 1 FROM meeting_rooms r WHERE r.id = room_id));

-- Calendars: a unit's events (no owner) and personal ones (an owner),
-- perhaps recurring (an RRULE subset, expanded in Asia/Ho_Chi_Minh), with
-- excluded dates and invitees who answer.
CREATE TABLE calendar_events (
    id uuid PRIMARY KEY,
    version integer NOT NULL CHECK (version >= 1),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    owner_id uuid REFERENCES users (id),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    location text CHECK (length(location) <= 500),
    description text CHECK (length(description) <= 5000),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    recurrence text CHECK (recurrence ~ '^FREQ=(DAILY|WEEKLY|MONTHLY|YEARLY)[A-Z0-9=;,]*$'),
    exceptions date[] NOT NULL,
    created_at timestamptz NOT NULL,
    created_by uuid REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (recurrence IS NOT NULL OR cardinality(exceptions) = 0)
);
CREATE INDEX calendar_events_unit ON calendar_events (organization_id, starts_at) WHERE owner_id IS NULL;
CREATE INDEX calendar_events_owner ON calendar_events (owner_id, starts_at) WHERE owner_id IS NOT NULL;

CREATE TABLE calendar_invitees (
    event_id uuid NOT NULL REFERENCES calendar_events (id),
    user_id uuid NOT NULL REFERENCES users (id),
    answer text NOT NULL CHECK (answer IN ('needs_action', 'accepted', 'declined', 'tentative')),
    answered_at timestamptz,
    PRIMARY KEY (event_id, user_id),
    CHECK ((answer = 'needs_action') = (answered_at IS NULL))
);
CREATE INDEX calendar_invitees_user ON calendar_invitees (user_id, event_id);

GRANT SELECT, INSERT, UPDATE ON calendar_events, calendar_invitees TO odb_app;

CREATE FUNCTION odb_groupware_invited(event uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT EXISTS (SELECT 1 FROM calendar_invitees i
        WHERE i.event_id = event AND i.user_id = odb_groupware_user()) $$;
GRANT EXECUTE ON FUNCTION odb_groupware_invited(uuid) TO odb_app;

-- A unit's events show inside the groupware scope over the unit; a
-- personal one to its owner; any to its invitees. The unit's writers
-- change its events, owners theirs.
ALTER TABLE calendar_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_events FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_events_read ON calendar_events FOR SELECT TO odb_app USING (
    (owner_id IS NULL AND EXISTS (SELECT 1 FROM organizations o
        WHERE o.id = organization_id AND o.path <@ ANY (odb_read_scope())))
    OR owner_id = odb_groupware_user()
    OR odb_groupware_invited(id));
CREATE POLICY calendar_events_insert ON calendar_events FOR INSERT TO odb_app WITH CHECK (
    (owner_id IS NULL AND EXISTS (SELECT 1 FROM organizations o
        WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope())))
    OR owner_id = odb_groupware_user());
CREATE POLICY calendar_events_update ON calendar_events FOR UPDATE TO odb_app
    USING ((owner_id IS NULL AND EXISTS (SELECT 1 FROM organizations o
        WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope())))
        OR owner_id = odb_groupware_user())
    WITH CHECK ((owner_id IS NULL AND EXISTS (SELECT 1 FROM organizations o
        WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope())))
        OR owner_id = odb_groupware_user());
ALTER TABLE calendar_invitees ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_invitees FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_invitees_follow ON calendar_invitees FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM calendar_events e WHERE e.id = event_id))
    WITH CHECK (EXISTS (SELECT 1 FROM calendar_events e WHERE e.id = event_id));

-- Business trips: purpose, destination, dates, members, approval by
-- someone other than the travellers, linked documents.
CREATE TABLE business_trips (
    id uuid PRIMARY KEY,
    version integer NOT NULL CHECK (version >= 1),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 2000),
    destination text NOT NULL CHECK (length(destination) BETWEEN 1 AND 500),
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    status text NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected')),
    decided_by uuid REFERENCES users (id),
    decided_at timestamptz,
    decision_note text CHECK (length(decision_note) <= 2000),
    created_at timestamptz NOT NULL,
    created_by uuid REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    CHECK (ends_on >= starts_on),
    CHECK ((status = 'proposed') = (decided_at IS NULL))
);
CREATE INDEX business_trips_dates ON business_trips (starts_on, ends_on);

CREATE TABLE business_trip_members (
    trip_id uuid NOT NULL REFERENCES business_trips (id),
    user_id uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (trip_id, user_id)
);
CREATE INDEX business_trip_members_user ON business_trip_members (user_id, trip_id);

CREATE TABLE business_trip_documents (
    trip_id uuid NOT NULL REFERENCES business_trips (id),
    document_id uuid NOT NULL REFERENCES correspondence (id),
    PRIMARY KEY (trip_id, document_id)
);

GRANT SELECT, INSERT, UPDATE ON business_trips TO odb_app;
GRANT SELECT, INSERT ON business_trip_members, business_trip_documents TO odb_app;

CREATE FUNCTION odb_groupware_travels(trip uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT EXISTS (SELECT 1 FROM business_trip_members m
        WHERE m.trip_id = trip AND m.user_id = odb_groupware_user()) $$;
GRANT EXECUTE ON FUNCTION odb_groupware_travels(uuid) TO odb_app;

-- A trip shows inside the groupware scope over its unit and to its
-- members; the unit's writers propose and decide it.
ALTER TABLE business_trips ENABLE ROW LEVEL SECURITY;
ALTER TABLE business_trips FORCE ROW LEVEL SECURITY;
CREATE POLICY business_trips_read ON business_trips FOR SELECT TO odb_app USING (
    EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_read_scope()))
    OR odb_groupware_travels(id));
CREATE POLICY business_trips_write ON business_trips FOR INSERT TO odb_app WITH CHECK (
    EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope())));
CREATE POLICY business_trips_update ON business_trips FOR UPDATE TO odb_app
    USING (EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope())))
    WITH CHECK (EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope())));
ALTER TABLE business_trip_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE business_trip_members FORCE ROW LEVEL SECURITY;
CREATE POLICY business_trip_members_follow ON business_trip_members FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM business_trips t WHERE t.id = trip_id))
    WITH CHECK (EXISTS (SELECT 1 FROM business_trips t WHERE t.id = trip_id));
ALTER TABLE business_trip_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE business_trip_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY business_trip_documents_follow ON business_trip_documents FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM business_trips t WHERE t.id = trip_id))
    WITH CHECK (EXISTS (SELECT 1 FROM business_trips t WHERE t.id = trip_id));
