//! `tavolo admin …`: what a facilitator does in the web console, from a shell, for
//! operators and tests. Each command prints its result (an id, a link) on stdout.

use anyhow::{anyhow, Context};
use clap::Subcommand;
use std::io::BufRead;
use tavolo_board::BoardKind;
use tavolo_rooms::access::Part;
use tavolo_rooms::auth::{new_id, new_token, token_hash};
use tavolo_rooms::service;
use tavolo_store::{Role, RoomKind, Store};

#[derive(Subcommand, Debug)]
pub enum Admin {
    /// Create a facilitator account. The password is read from TAVOLO_PASSWORD or, if
    /// unset, from the first line of standard input.
    CreateFacilitator {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Create a workspace (tavolo) owned by a facilitator; prints its id.
    CreateWorkspace {
        /// The owner's email.
        #[arg(long)]
        owner: String,
        #[arg(long)]
        name: String,
    },
    /// Create a meeting (incontro) in a workspace; prints its id.
    CreateSession {
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        title: String,
        /// The meeting's date (YYYY-MM-DD).
        #[arg(long)]
        date: String,
    },
    /// Create a board from a template in a meeting's plenary; prints its id.
    CreateBoard {
        #[arg(long)]
        session: String,
        /// free, stakeholder_map, problem_tree, objective_tree, theory_of_change, social_report
        #[arg(long, default_value = "free", value_parser = board_kind)]
        kind: BoardKind,
        #[arg(long)]
        title: String,
    },
    /// Issue an invitation link for a role; prints the link.
    Invite {
        #[arg(long)]
        session: String,
        /// participant or observer
        #[arg(long, default_value = "participant", value_parser = role)]
        role: Role,
        /// How long the link is valid.
        #[arg(long, default_value_t = 168)]
        hours: i64,
        /// The server's public address, to build the link.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
    /// Print a board's sync URL with a credential the official y-websocket client can
    /// use: `new WebsocketProvider(<url up to /sync>, <board>, doc, { params: { token } })`.
    SyncUrl {
        #[arg(long)]
        board: String,
        /// facilitator (the workspace owner), participant or observer (a new member of the
        /// board's meeting with the given name)
        #[arg(long = "as", default_value = "participant", value_parser = part)]
        role: Part,
        #[arg(long, default_value = "Script")]
        name: String,
        #[arg(long, default_value = "ws://127.0.0.1:8080")]
        base_url: String,
    },
}

fn board_kind(s: &str) -> Result<BoardKind, String> {
    BoardKind::parse(s).ok_or_else(|| format!("unknown board kind {s:?}"))
}

fn role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "must be participant or observer".into())
}

fn part(s: &str) -> Result<Part, String> {
    Part::parse(s).ok_or_else(|| "must be facilitator, participant or observer".into())
}

fn api(e: service::ServiceError) -> anyhow::Error {
    anyhow!("{e}")
}

pub async fn run(store: &Store, cmd: &Admin) -> anyhow::Result<()> {
    match cmd {
        Admin::CreateFacilitator { email, name } => {
            let password = match std::env::var("TAVOLO_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .context("reading the password")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            // the server's hashing, one at a time (an operator's command, nothing to queue)
            let passwords =
                tavolo_rooms::passwords::Passwords::new(tavolo_rooms::passwords::PasswordLimits {
                    concurrent: 1,
                    ..Default::default()
                });
            let id = service::create_facilitator(store, &passwords, email, name, &password)
                .await
                .map_err(api)?;
            println!("{id}");
        }
        Admin::CreateWorkspace { owner, name } => {
            let f = store
                .facilitator_by_email(&owner.trim().to_lowercase())
                .await?
                .ok_or_else(|| anyhow!("no facilitator with email {owner}"))?;
            println!(
                "{}",
                service::create_workspace(store, &f.id, name)
                    .await
                    .map_err(api)?
            );
        }
        Admin::CreateSession {
            workspace,
            title,
            date,
        } => {
            store
                .get_workspace(workspace)
                .await?
                .ok_or_else(|| anyhow!("no workspace {workspace}"))?;
            println!(
                "{}",
                service::create_session(store, None, workspace, title, date)
                    .await
                    .map_err(api)?
            );
        }
        Admin::CreateBoard {
            session,
            kind,
            title,
        } => {
            let rooms = store.list_rooms(session).await?;
            let plenary = rooms
                .iter()
                .find(|r| r.kind == RoomKind::Plenary)
                .ok_or_else(|| anyhow!("no meeting {session}"))?;
            let content = tavolo_board::Board::template(*kind, "");
            println!(
                "{}",
                service::create_board(store, &plenary.id, title, content)
                    .await
                    .map_err(api)?
            );
        }
        Admin::Invite {
            session,
            role,
            hours,
            base_url,
        } => {
            store
                .get_session(session)
                .await?
                .ok_or_else(|| anyhow!("no meeting {session}"))?;
            let invite = service::create_invite(store, session, *role, *hours)
                .await
                .map_err(api)?;
            println!("{}/join/{}", base_url.trim_end_matches('/'), invite.token);
            eprintln!("short code: {}", invite.code);
        }
        Admin::SyncUrl {
            board,
            role,
            name,
            base_url,
        } => {
            let row = store
                .get_board(board)
                .await?
                .ok_or_else(|| anyhow!("no board {board} in any meeting"))?;
            let token = match *role {
                Part::Facilitator => {
                    let ws = store
                        .get_workspace(&row.workspace_id)
                        .await?
                        .ok_or_else(|| anyhow!("workspace gone"))?;
                    service::create_login(store, &ws.owner_id, 12)
                        .await
                        .map_err(api)?
                }
                Part::Participant | Part::Observer => {
                    let token = new_token();
                    let name = service::text_field(name, "name", 80).map_err(api)?;
                    store
                        .create_participant(
                            &new_id(),
                            &row.session_id,
                            None,
                            if *role == Part::Observer {
                                Role::Observer
                            } else {
                                Role::Participant
                            },
                            &name,
                            &token_hash(&token),
                        )
                        .await?;
                    token
                }
            };
            println!(
                "{}/sync/{board}?token={token}",
                base_url.trim_end_matches('/')
            );
        }
    }
    Ok(())
}
