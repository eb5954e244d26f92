//! One behaviour suite, written once against the [`Harness`] trait and instantiated for every
//! adapter x database pair by a three-line test file (`tests/<adapter>_<database>.rs`):
//!
//! ```ignore
//! #[path = "conformance/mod.rs"] mod conformance;
//! #[path = "harness/sea_orm.rs"] mod harness;
//! conformance::suite!(harness::SeaOrmHarness<conformance::databases::Postgres>);
//! ```
//!
//! A test that does not apply to a pair says so on stderr and in its name
//! (`not_applicable: ...`), never silently passes.
#![allow(unreachable_pub, dead_code, clippy::unwrap_used, missing_docs)]

pub mod bad_input;
pub mod claim_locks;
pub mod complete_in;
pub mod control;
pub mod correctness;
pub mod databases;
pub mod enqueue;
pub mod failures;
pub mod harness;
pub mod history;
pub mod limits;
pub mod maintenance;
pub mod metrics;
pub mod migrate;
pub mod periodic;
pub mod probe;
#[cfg(feature = "relay")]
pub mod relay;
pub mod running;
pub mod shutdown;
pub mod state;
pub mod stats;
pub mod tasks;
pub mod testing;
pub mod unique;
pub mod wake;

pub use harness::{End, Enqueued, Harness, OpenTx, ids_of};

/// Instantiates every conformance test for one harness type.
#[macro_export]
macro_rules! suite {
    ($harness:ty) => {
        $crate::suite!(@multi $harness;
            enqueue::committed_enqueue_runs_exactly_once,
            enqueue::rolled_back_enqueue_never_runs_and_leaves_no_row,
            enqueue::open_transaction_job_is_invisible_until_commit,
            enqueue::enqueue_adds_exactly_the_stated_statements_to_the_transaction,
            enqueue::concurrent_enqueues_each_get_the_ids_of_their_own_rows,
            enqueue::options_are_stored_on_the_row,
            enqueue::arguments_that_serialize_to_null_are_stored_and_run,
            enqueue::bad_enqueue_input_is_a_typed_error_and_writes_nothing,
            failures::failed_attempts_are_retried_until_success,
            failures::exhausted_attempts_discard_the_job_with_every_error,
            failures::a_panic_is_a_failed_attempt_and_the_worker_carries_on,
            failures::an_attempt_over_its_timeout_fails,
            failures::arguments_that_do_not_deserialize_discard_at_once_with_the_reason,
            failures::a_cancelled_task_is_not_retried,
            failures::a_stale_claim_cannot_complete_or_fail_the_job,
            migrate::concurrent_migrations_apply_each_version_once,
            migrate::a_missing_schema_says_to_run_migrations,
            running::a_delayed_job_does_not_run_early,
            wake::an_idle_worker_starts_a_job_enqueued_in_its_process_without_waiting_for_the_poll,
            wake::an_idle_worker_finds_a_job_from_another_process_long_before_the_poll,
            running::lower_priority_numbers_run_first,
            running::two_workers_on_one_queue_never_run_the_same_job,
            running::an_expired_lease_is_rescued_and_run_again,
            shutdown::shutdown_waits_for_a_job_in_flight_within_the_grace_period,
            shutdown::shutdown_releases_jobs_still_running_after_the_grace_period,
            shutdown::dropping_run_until_stops_the_worker_gracefully,
            state::a_task_gets_the_workers_state_and_a_worker_without_it_is_not_built,
            control::jobs_are_listed_by_queue_task_and_state_a_page_at_a_time,
            control::waiting_jobs_are_cancelled_discarded_and_retried_and_the_rest_say_why,
            control::a_retried_job_keeps_its_attempts_and_gets_one_more,
            control::a_running_job_asked_to_cancel_is_called_off_and_ends_cancelled_not_retried,
            stats::queue_stats_count_each_state_and_job_times_read_back,
            history::failures_group_by_task_and_latest_error_and_finishes_count_per_bucket,
            maintenance::one_leader_at_a_time_and_the_lease_moves_when_it_expires,
            maintenance::the_leader_resigns_at_shutdown_and_another_worker_takes_over,
            maintenance::the_pruner_deletes_finished_jobs_past_retention_only_on_the_leader,
            bad_input::a_huge_error_message_is_truncated_and_stored,
            bad_input::a_nul_character_in_a_result_or_error_is_stored,
            bad_input::a_result_over_the_size_limit_is_replaced_and_the_job_completes,
            bad_input::many_large_results_finishing_together_are_all_stored,
            correctness::a_worker_running_two_attempts_of_one_job_stores_the_newer_outcome,
            correctness::a_handler_whose_lease_was_lost_is_told,
            correctness::a_job_claimed_but_never_started_keeps_its_attempt,
            correctness::a_started_attempt_counts_when_its_worker_dies,
            correctness::a_job_given_back_keeps_its_place_and_waits_for_its_start_next_time,
            correctness::a_snooze_longer_than_the_database_can_store_is_clamped,
            correctness::an_outcome_the_database_refuses_does_not_stall_the_worker,
            correctness::a_claim_lost_in_a_database_crash_does_not_reuse_its_token,
            correctness::batch_writes_in_opposite_orders_do_not_deadlock,
            claim_locks::a_claim_locks_only_the_jobs_it_takes,
            periodic::a_periodic_job_is_enqueued_once_per_tick_at_the_ticks_time,
            limits::a_global_concurrency_limit_holds_across_workers_and_is_reached,
            limits::a_per_key_limit_holds_across_workers_while_other_keys_run,
            limits::a_rate_limit_holds_across_workers_and_is_reached,
            complete_in::a_job_completed_in_its_handlers_transaction_commits_with_its_writes_or_not_at_all,
            unique::concurrent_batches_with_overlapping_keys_leave_one_live_job_per_key,
            unique::a_key_is_held_per_task_while_live_and_a_period_key_also_once_completed,
            unique::a_finished_job_whose_key_another_holds_is_not_retried_and_says_why,
            metrics::job_counters_and_histograms_move_with_each_outcome_and_the_leader_samples_depth,
            testing::assert_enqueued_finds_committed_jobs_by_their_arguments_and_says_what_is_there,
            testing::drain_runs_due_jobs_and_the_jobs_they_enqueue_and_reports_failures,
            testing::run_job_runs_exactly_that_job_due_or_not,
        );
        #[cfg(feature = "relay")]
        $crate::suite!(@multi $harness;
            relay::committed_events_are_published_once_with_their_job_id_and_rolled_back_ones_never,
            relay::an_ordered_event_waits_for_an_earlier_one_of_its_subject_that_is_not_due_yet,
            relay::an_event_nats_cannot_take_is_cancelled_with_the_reason,
        );
        $crate::suite!(@current_thread $harness;
            running::jobs_of_unknown_tasks_are_left_untouched_and_reported,
            bad_input::a_job_row_edited_into_an_impossible_state_is_reported_and_skipped,
        );
    };
    (@multi $harness:ty; $($module:ident :: $test:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                conformance::$module::$test::<$harness>().await
            }
        )*
    };
    (@current_thread $harness:ty; $($module:ident :: $test:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "current_thread")]
            async fn $test() {
                conformance::$module::$test::<$harness>().await
            }
        )*
    };
}
