//! The TUI end to end in a real terminal: tmux runs `mapinspect`, send-keys types, and
//! capture-pane reads the screen as a person would see it.
use std::{process::Command, time::Duration};

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
    // Live entries: openat happens constantly, so the per-CPU EVENTS map fills quickly. The
    // map on screen is read when it is selected: its rows follow the title within a refresh.
    session.keys(&["Down", "Down", "Down"]);
    session.wait_for(
        "EVENTS selected, its per-CPU breakdown shown",
        Duration::from_secs(5),
        |s| table_title_names(s, "EVENTS") && s.contains("cpu0"),
    );

    // Maps not on screen show counts too (the kernel's counters or a read, on a slower
    // cadence): the experiment's empty HASH of 1003.
    session.wait_for(
        "counts of maps not on screen",
        Duration::from_secs(10),
        |s| s.contains("0/1003"),
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
    // Each wait checks a whole screen: a capture can land midway through writing a frame.
    session.wait_for("the flood confirm", Duration::from_secs(5), |s| {
        s.contains("insert keys 1..=1004") && s.contains("kernel-side flood program")
    });
    session.keys(&["Enter"]);
    let result = session.wait_for("the flood result", Duration::from_secs(10), |s| {
        s.contains("survived:")
            && s.contains("all 1004 inserts succeeded")
            && s.contains("key 1004 (the last inserted) is present")
    });
    let survivors = result
        .lines()
        .find_map(|line| line.split("survived: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<u32>().ok())
        .expect("a survivor count");
    assert!((1..=1003).contains(&survivors), "{survivors}");
    // The map list and the table show what the kernel holds now.
    session.wait_for(
        "the survivors in the map list",
        Duration::from_secs(5),
        |s| s.contains(&format!("{survivors}/1003")),
    );

    session.keys(&["q"]);
    let screen = session.wait_for("exit", Duration::from_secs(10), |s| s.contains("EXIT="));
    assert!(screen.contains("EXIT=0"), "{screen}");
}

#[test]
fn a_map_of_maps_opens_its_inner_map_and_esc_comes_back() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let binary = env!("CARGO_BIN_EXE_mapinspect");
    let session = Session::start(&format!("{binary} --interval 0.2; echo EXIT=$?; sleep 30"));
    session.wait_for("live maps", Duration::from_secs(15), |s| {
        s.contains("EXECS")
    });
    // `/` in the map list narrows it to the map-of-maps, by name.
    session.keys(&["/", "PID_B", "Enter"]);
    session.wait_for("the filtered list", Duration::from_secs(5), |s| {
        s.contains("maps /PID_B 1/") && table_title_names(s, "PID_BUCKETS")
    });
    // Its slots name their inner maps; Enter on slot 0 opens it like any other map.
    session.keys(&["Enter"]);
    session.wait_for("slots with inner maps", Duration::from_secs(5), |s| {
        s.contains("OPENS_EVEN (hash)") && s.contains("OPENS_ODD (hash)")
    });
    session.keys(&["Enter"]);
    // (The bundled object's inner maps are in the list already: Enter selects it there.)
    // One check for both: a capture can land between the title's bytes and the status line's.
    session.wait_for(
        "the inner map and how to leave it",
        Duration::from_secs(5),
        |s| table_title_names(s, "OPENS_EVEN") && s.contains("Esc goes back"),
    );
    session.keys(&["Escape"]);
    session.wait_for("back in the outer map", Duration::from_secs(5), |s| {
        table_title_names(s, "PID_BUCKETS")
    });
    session.keys(&["q"]);
    session.wait_for("a clean exit", Duration::from_secs(5), |s| {
        s.contains("EXIT=0")
    });
}

/// A bpffs directory for one test's pins, removed on drop.
struct Pins(std::path::PathBuf);

impl Drop for Pins {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn bpftool(args: &[&str]) {
    let out = Command::new("bpftool")
        .args(args)
        .output()
        .expect("bpftool runs");
    assert!(
        out.status.success(),
        "bpftool {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_foreign_map_of_maps_opens_an_inner_map_not_in_the_list() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let pins = Pins(format!("/sys/fs/bpf/mapinspect-tui-{}", std::process::id()).into());
    std::fs::create_dir_all(&pins.0).unwrap();
    let pin = |name: &str| pins.0.join(name).to_str().unwrap().to_string();
    let (inner, outer) = (pin("inner"), pin("outer"));
    bpftool(&[
        "map",
        "create",
        &inner,
        "type",
        "hash",
        "key",
        "4",
        "value",
        "4",
        "entries",
        "8",
        "name",
        "e2e_inner",
    ]);
    bpftool(&[
        "map", "update", "pinned", &inner, "key", "7", "0", "0", "0", "value", "70", "0", "0", "0",
    ]);
    bpftool(&[
        "map",
        "create",
        &outer,
        "type",
        "array_of_maps",
        "key",
        "4",
        "value",
        "4",
        "entries",
        "2",
        "name",
        "e2e_outer",
        "inner_map",
        "pinned",
        &inner,
    ]);
    bpftool(&[
        "map", "update", "pinned", &outer, "key", "1", "0", "0", "0", "value", "pinned", &inner,
    ]);

    let binary = env!("CARGO_BIN_EXE_mapinspect");
    let session = Session::start(&format!(
        "{binary} --pin {outer} --interval 0.2; echo EXIT=$?; sleep 30"
    ));
    session.wait_for("the outer map", Duration::from_secs(15), |s| {
        table_title_names(s, "e2e_outer") && s.contains("e2e_inner (hash) 1/8")
    });
    session.keys(&["Enter", "Enter"]);
    // Title, status line and rows are written one after another: wait for all of them at once.
    session.wait_for(
        "the inner map, its entry and how to leave it",
        Duration::from_secs(5),
        |s| {
            table_title_names(s, "e2e_inner")
                && s.contains("↳ e2e_inner")
                && s.contains("Esc goes back")
                && s.lines().any(|l| l.contains(" 7 ") && l.contains("70"))
        },
    );
    session.keys(&["Escape"]);
    session.wait_for("back in the outer map", Duration::from_secs(5), |s| {
        table_title_names(s, "e2e_outer")
    });
    session.keys(&["q"]);
    session.wait_for("a clean exit", Duration::from_secs(5), |s| {
        s.contains("EXIT=0")
    });
}
