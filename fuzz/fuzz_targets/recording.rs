//! A recording file as `mapinspect replay` reads it: checked and indexed, then played from
//! the first frame to the last, back one, and from the start again.
#![no_main]
use std::time::Instant;

use inspector::{
    app::ReplayCommand,
    record::{player::Player, reader},
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(recording) = reader::parse(data.to_vec()) else {
        return;
    };
    let Ok(mut player) = Player::new(recording, "fuzz".into(), Instant::now()) else {
        return;
    };
    let _ = player.messages();
    for command in [
        ReplayCommand::Last,
        ReplayCommand::Step(-1),
        ReplayCommand::First,
        ReplayCommand::Step(1),
    ] {
        let _ = player.command(command);
    }
});
