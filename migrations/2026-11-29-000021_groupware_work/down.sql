DROP TABLE room_bookings;
DROP TABLE meeting_rooms;
DROP TABLE groupware_task_reports;
DROP TABLE groupware_task_assignees;
DROP TABLE groupware_tasks;
DROP FUNCTION odb_task_path(uuid);
DROP FUNCTION odb_groupware_task_assigned(uuid);
