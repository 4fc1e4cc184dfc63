//! The TUI end to end in a real terminal: tmux runs `mapinspect`, send-keys types, and
//! capture-pane reads the screen as a person would see it.
use std::time::Duration;

use super::tmux::Session;

/// The title line of the entry table names the selected map.
fn table_title_names(screen: &str, map: &str) -> bool {
    screen
        .lines()
        .any(|line| line.contains(&format!(" {map} ·")))
}

#[test]
fn browse_live_maps_in_a_real_terminal_and_quit_cleanly() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let binary = env!("CARGO_BIN_EXE_mapinspect");
    // After mapinspect exits the pane shows its exit status, then stays for us to read.
    let session = Session::start(&format!("{binary} --interval 0.2; echo EXIT=$?; sleep 30"));

    let screen = session.wait_for("live maps", Duration::from_secs(15), |s| {
        s.contains("EXECS") && s.contains("RECENT_EXITS") && s.contains("EXP_LRU")
    });
    assert!(
        table_title_names(&screen, "EXECS"),
        "EXECS selected first:\n{screen}"
    );
    // Live entries: openat happens constantly, so the per-CPU EVENTS map fills quickly.
    session.keys(&["Down", "Down", "Down"]);
    let screen = session.wait_for("EVENTS selected", Duration::from_secs(5), |s| {
        table_title_names(s, "EVENTS")
    });
    assert!(
        screen.contains("cpu0"),
        "per-CPU breakdown shown:\n{screen}"
    );

    session.keys(&["k"]);
    session.wait_for("j/k move back", Duration::from_secs(5), |s| {
        table_title_names(s, "PID_ACTIVITY")
    });

    session.keys(&["?"]);
    // "close help" is in the footer of the help mode only.
    session.wait_for("help overlay", Duration::from_secs(5), |s| {
        s.contains("close help")
    });
    session.keys(&["Escape"]);
    // Wait for the overlay to close before the next key: Escape followed at once by q
    // reaches the terminal as one Alt+q sequence.
    session.wait_for("help closed", Duration::from_secs(5), |s| {
        !s.contains("close help")
    });

    session.keys(&["q"]);
    let screen = session.wait_for("exit", Duration::from_secs(10), |s| s.contains("EXIT="));
    assert!(screen.contains("EXIT=0"), "exit status 0:\n{screen}");
    // The alternate screen is gone: no table border or map list remains.
    assert!(!screen.contains("EXECS"), "terminal restored:\n{screen}");
}

#[test]
fn flood_the_lru_from_the_keyboard_and_read_what_happened() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let binary = env!("CARGO_BIN_EXE_mapinspect");
    let session = Session::start(&format!("{binary} --interval 0.3; echo EXIT=$?; sleep 30"));
    session.wait_for("live maps", Duration::from_secs(15), |s| {
        s.contains("EXP_LRU")
    });
    // EXP_LRU is the tenth map: EXECS, EXIT_CODES, PID_ACTIVITY, EVENTS, COMM_STATS,
    // COMM_OPENS, RECENT_EXECS, RECENT_EXITS, EXP_HASH, EXP_LRU.
    for _ in 0..9 {
        session.keys(&["Down"]);
    }
    session.wait_for("EXP_LRU selected", Duration::from_secs(5), |s| {
        table_title_names(s, "EXP_LRU")
    });
    session.keys(&["f"]);
    let confirm = session.wait_for("the flood confirm", Duration::from_secs(5), |s| {
        s.contains("insert keys 1..=1004")
    });
    assert!(confirm.contains("kernel-side flood program"), "{confirm}");
    session.keys(&["Enter"]);
    let result = session.wait_for("the flood result", Duration::from_secs(10), |s| {
        s.contains("survived:")
    });
    assert!(result.contains("all 1004 inserts succeeded"), "{result}");
    assert!(
        result.contains("key 1004 (the last inserted) is present"),
        "{result}"
    );
    // The map list and the table show what the kernel holds now.
    let survivors = result
        .lines()
        .find_map(|line| line.split("survived: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<u32>().ok())
        .expect("a survivor count");
    assert!((1..=1003).contains(&survivors), "{survivors}");
    assert!(result.contains(&format!("{survivors}/1003")), "{result}");

    session.keys(&["q"]);
    let screen = session.wait_for("exit", Duration::from_secs(10), |s| s.contains("EXIT="));
    assert!(screen.contains("EXIT=0"), "{screen}");
}
