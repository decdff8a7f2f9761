use super::*;
use crate::time::{DAY, HOUR, MINUTE};
use crate::{ActivationId, AssignmentId, RoleId};

const MONDAY_10: Timestamp = Timestamp::from_unix(1_795_996_800 + 10 * HOUR);
const NOW: Timestamp = MONDAY_10;

fn request(requester: UserId, starts_in: i64, duration: i64) -> Activation {
    let requested_at = NOW.plus_seconds(-10 * MINUTE);
    let starts_at = if starts_in == 0 {
        requested_at
    } else {
        NOW.plus_seconds(starts_in)
    };
    Activation {
        id: ActivationId::new_random(),
        user_id: requester,
        role_id: RoleId::new_random(),
        role_name: "Database Owner".into(),
        eligibility_id: AssignmentId::new_random(),
        state: ActivationState::PendingApproval,
        requested_at,
        starts_at,
        ends_at: starts_at.plus_seconds(duration),
        justification: "Rotate the payment API keys".into(),
        ticket: None,
        decide_by: Some(NOW.plus_seconds(DAY)),
        ended_at: None,
        end_reason: None,
    }
}

fn policy(quorum: u8) -> RolePolicy {
    let mut p = RolePolicy::default();
    p.activation.require_approval = true;
    p.activation.quorum = quorum;
    p
}

fn eligibility(ends_in: Option<i64>) -> Eligibility {
    Eligibility {
        assignment_id: AssignmentId::new_random(),
        starts_at: Timestamp::from_unix(0),
        ends_at: ends_in.map(|s| NOW.plus_seconds(s)),
    }
}

fn approval(by: UserId) -> Decision {
    Decision {
        approver_id: by,
        approver_name: "Approver".into(),
        verdict: Verdict::Approve,
        reason: String::new(),
        decided_at: NOW.plus_seconds(-MINUTE),
    }
}

struct Case {
    requester: UserId,
    approvers: Vec<UserId>,
    request: Activation,
    policy: RolePolicy,
    prior: Vec<Decision>,
    eligibility: Option<Eligibility>,
}

impl Case {
    fn new(quorum: u8) -> Self {
        let requester = UserId::new_random();
        Self {
            requester,
            approvers: (0..3).map(|_| UserId::new_random()).collect(),
            request: request(requester, 0, 2 * HOUR),
            policy: policy(quorum),
            prior: Vec::new(),
            eligibility: Some(eligibility(None)),
        }
    }

    fn ctx(&self) -> DecisionContext<'_> {
        DecisionContext {
            request: &self.request,
            policy: &self.policy,
            approvers: &self.approvers,
            prior: &self.prior,
            eligibility: self.eligibility.as_ref(),
            now: NOW,
        }
    }

    fn check(&self, who: UserId, verdict: Verdict, reason: &str) -> Result<String, DecisionDenial> {
        check_decider(self.ctx(), who, verdict, reason)
    }
}

#[test]
fn nobody_decides_on_their_own_request_even_when_listed_as_approver() {
    let mut case = Case::new(1);
    case.approvers.push(case.requester);
    assert_eq!(
        case.check(case.requester, Verdict::Approve, ""),
        Err(DecisionDenial::OwnRequest)
    );
}

#[test]
fn only_current_approvers_decide_and_each_only_once() {
    let mut case = Case::new(2);
    assert_eq!(
        case.check(UserId::new_random(), Verdict::Approve, ""),
        Err(DecisionDenial::NotAnApprover)
    );
    case.prior.push(approval(case.approvers[0]));
    assert_eq!(
        case.check(case.approvers[0], Verdict::Deny, "changed my mind"),
        Err(DecisionDenial::AlreadyDecided)
    );
}

#[test]
fn a_denial_needs_a_reason_and_an_approval_does_not() {
    let case = Case::new(1);
    let approver = case.approvers[0];
    assert_eq!(
        case.check(approver, Verdict::Deny, "  "),
        Err(DecisionDenial::ReasonRequired)
    );
    assert_eq!(
        case.check(approver, Verdict::Approve, ""),
        Ok(String::new())
    );
    assert!(matches!(
        case.check(approver, Verdict::Deny, "no\u{202e}pe"),
        Err(DecisionDenial::Reason(_))
    ));
}

#[test]
fn decided_and_lapsed_requests_take_no_more_decisions() {
    let mut case = Case::new(1);
    let approver = case.approvers[0];
    case.request.state = ActivationState::Cancelled;
    assert_eq!(
        case.check(approver, Verdict::Approve, ""),
        Err(DecisionDenial::NotPending)
    );
    case.request.state = ActivationState::PendingApproval;
    case.request.decide_by = Some(NOW);
    assert_eq!(
        case.check(approver, Verdict::Approve, ""),
        Err(DecisionDenial::Lapsed)
    );
}

#[test]
fn two_of_three_approvers_reach_a_quorum_of_two() {
    let mut case = Case::new(2);
    let first = decide(case.ctx(), case.approvers[0], Verdict::Approve);
    assert_eq!(
        first,
        Ok(DecisionOutcome::Recorded {
            approvals: 1,
            quorum: 2
        })
    );
    case.prior.push(approval(case.approvers[0]));
    let second = decide(case.ctx(), case.approvers[1], Verdict::Approve);
    assert_eq!(
        second,
        Ok(DecisionOutcome::Approved {
            state: ActivationState::Active,
            starts_at: NOW,
            ends_at: NOW.plus_seconds(2 * HOUR),
        })
    );
}

#[test]
fn approvals_from_people_no_longer_approvers_do_not_count() {
    let mut case = Case::new(2);
    let former = UserId::new_random();
    case.prior.push(approval(former));
    assert!(matches!(
        decide(case.ctx(), case.approvers[0], Verdict::Approve),
        Ok(DecisionOutcome::Recorded { approvals: 1, .. })
    ));
}

#[test]
fn one_denial_ends_the_request_whatever_approvals_came_before() {
    let mut case = Case::new(3);
    case.prior.push(approval(case.approvers[0]));
    case.prior.push(approval(case.approvers[1]));
    assert_eq!(
        decide(case.ctx(), case.approvers[2], Verdict::Deny),
        Ok(DecisionOutcome::Denied)
    );
}

#[test]
fn a_scheduled_request_keeps_its_window_or_starts_at_once_when_approved_late() {
    let mut case = Case::new(1);
    case.request = request(case.requester, 3 * HOUR, HOUR);
    assert_eq!(
        decide(case.ctx(), case.approvers[0], Verdict::Approve),
        Ok(DecisionOutcome::Approved {
            state: ActivationState::Scheduled,
            starts_at: NOW.plus_seconds(3 * HOUR),
            ends_at: NOW.plus_seconds(4 * HOUR),
        })
    );
    case.request.starts_at = NOW.plus_seconds(-MINUTE);
    case.request.ends_at = NOW.plus_seconds(HOUR);
    assert_eq!(
        decide(case.ctx(), case.approvers[0], Verdict::Approve),
        Ok(DecisionOutcome::Approved {
            state: ActivationState::Active,
            starts_at: NOW,
            ends_at: NOW.plus_seconds(HOUR),
        })
    );
    case.request.ends_at = NOW;
    assert_eq!(
        decide(case.ctx(), case.approvers[0], Verdict::Approve),
        Err(DecisionDenial::WindowPassed)
    );
}

#[test]
fn quorum_rechecks_policy_and_eligibility_as_they_are_now() {
    let mut case = Case::new(1);
    let approver = case.approvers[0];
    case.policy.activation.max_duration_seconds = HOUR;
    assert_eq!(
        decide(case.ctx(), approver, Verdict::Approve),
        Err(DecisionDenial::DurationOverMax { max: HOUR })
    );
    case.policy.activation.max_duration_seconds = 8 * HOUR;
    case.eligibility = None;
    assert_eq!(
        decide(case.ctx(), approver, Verdict::Approve),
        Err(DecisionDenial::NoLongerEligible)
    );
    case.eligibility = Some(eligibility(Some(HOUR)));
    assert_eq!(
        decide(case.ctx(), approver, Verdict::Approve),
        Err(DecisionDenial::OutlivesEligibility)
    );
}

#[test]
fn a_policy_whose_approvers_cannot_reach_quorum_for_an_eligible_person_is_refused() {
    let p = policy(2);
    let ann = UserId::new_random();
    let bea = UserId::new_random();
    let approvers = [ann, bea];
    let eligible = [(ann, "Ann".to_owned())];
    assert_eq!(
        check_quorum_reachable(&p, &approvers, &eligible),
        Err(QuorumUnreachable {
            requester: "Ann".into(),
            quorum: 2,
            available: 1
        })
    );
    let outsider = [(UserId::new_random(), "Cid".to_owned())];
    assert_eq!(check_quorum_reachable(&p, &approvers, &outsider), Ok(()));
    assert!(check_quorum_reachable(&p, &[ann], &[]).is_err());
}

#[test]
fn business_hours_are_weekdays_from_eight_to_six_utc() {
    assert!(!outside_business_hours(MONDAY_10));
    assert!(outside_business_hours(MONDAY_10.plus_seconds(9 * HOUR)));
    assert!(outside_business_hours(MONDAY_10.plus_seconds(5 * DAY)));
    assert!(!outside_business_hours(MONDAY_10.plus_seconds(4 * DAY)));
}
